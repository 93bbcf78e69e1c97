import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

// The page lives beside src/ and dist/, so the same relative URL finds it from either.
const PAGE_DIR = new URL("../../page/", import.meta.url);

// The page may load only its own files and talk only to its own origin, and no other site
// may frame it (its buttons act on the node).
const PAGE_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache"
};

// The diff library's URLs carry its version, so a year's cache never serves an old copy.
const VENDOR_CACHE = "public, max-age=31536000, immutable";

const SCRIPTS = [
  "common.js",
  "page.js",
  "tasks-view.js",
  "queues-view.js",
  "schedules-view.js",
  "diff-view.js",
  "line-comments.js",
  "run-checks.js",
  "task-view.js",
  "task-actions.js",
  "router.js"
] as const;

/** diff2html's browser bundle (no highlighter; `Diff2Html.html`) and style sheet, from node_modules. */
export interface Diff2htmlFiles {
  version: string;
  script: Buffer;
  css: Buffer;
}

/** Reads diff2html's shipped bundle and CSS once; a missing package fails the start, not the page. */
export function resolveDiff2html(): Diff2htmlFiles {
  const require = createRequire(import.meta.url);
  const { version } = JSON.parse(readFileSync(require.resolve("diff2html/package.json"), "utf8")) as {
    version: string;
  };
  return {
    version,
    script: readFileSync(require.resolve("diff2html/bundles/js/diff2html.min.js")),
    css: readFileSync(require.resolve("diff2html/bundles/css/diff2html.min.css"))
  };
}

/** The page: plain HTML, CSS and JS read once at start, served with an ETag; diff2html beside it; a favicon. */
export function registerPageRoutes(app: FastifyInstance, deps: { diff2html: Diff2htmlFiles }): void {
  const page = { tags: ["page"] };
  const { diff2html } = deps;
  const html = readFileSync(new URL("index.html", PAGE_DIR), "utf8").replaceAll(
    "{{diff2html}}",
    diff2html.version
  );
  app.get(
    "/",
    { schema: { operationId: "getPage", summary: "The live status page (HTML)", ...page } },
    serve(Buffer.from(html), "text/html; charset=utf-8")
  );
  for (const script of SCRIPTS) {
    app.get(
      `/assets/${script}`,
      { schema: { operationId: scriptOperationId(script), summary: `The page's script ${script}`, ...page } },
      serve(pageFile(script), "text/javascript; charset=utf-8")
    );
  }
  app.get(
    "/assets/page.css",
    { schema: { operationId: "getPageStyleSheet", summary: "The page's style sheet", ...page } },
    serve(pageFile("page.css"), "text/css; charset=utf-8")
  );
  const icon = serve(pageFile("favicon.svg"), "image/svg+xml");
  app.get(
    "/favicon.svg",
    { schema: { operationId: "getFaviconSvg", summary: "The page's icon (SVG)", ...page } },
    icon
  );
  app.get(
    "/favicon.ico",
    {
      schema: {
        operationId: "getFaviconIco",
        summary: "The page's icon (SVG, for browsers that ask this name)",
        ...page
      }
    },
    icon
  );
  const vendor = `/assets/diff2html/${diff2html.version}`;
  app.get(
    `${vendor}/diff2html.min.js`,
    { schema: { operationId: "getDiff2htmlScript", summary: "diff2html's browser bundle", ...page } },
    serve(diff2html.script, "text/javascript; charset=utf-8", VENDOR_CACHE)
  );
  app.get(
    `${vendor}/diff2html.min.css`,
    { schema: { operationId: "getDiff2htmlStyleSheet", summary: "diff2html's style sheet", ...page } },
    serve(diff2html.css, "text/css; charset=utf-8", VENDOR_CACHE)
  );
}

function pageFile(file: string): Buffer {
  return readFileSync(new URL(file, PAGE_DIR));
}

function serve(body: Buffer, type: string, cacheControl = PAGE_HEADERS["cache-control"]) {
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    void reply.headers({ ...PAGE_HEADERS, "cache-control": cacheControl, etag });
    if (request.headers["if-none-match"] === etag) return reply.status(304).send();
    return reply.type(type).send(body);
  };
}

/** `task-view.js` → `getScriptTaskViewJs`: the script's operation in the document. */
function scriptOperationId(script: string): string {
  const words = script.split(/[^A-Za-z0-9]+/);
  return `getScript${words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join("")}`;
}
