import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
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

/** The live page: plain HTML, CSS and JS read once at start, served with an ETag. */
export function registerPageRoutes(app: FastifyInstance): void {
  const page = { tags: ["page"] };
  app.get("/", { schema: { summary: "The live status page (HTML)", ...page } }, serve("index.html", "text/html; charset=utf-8"));
  app.get("/assets/page.js", { schema: { summary: "The page's script", ...page } }, serve("page.js", "text/javascript; charset=utf-8"));
  app.get("/assets/page.css", { schema: { summary: "The page's style sheet", ...page } }, serve("page.css", "text/css; charset=utf-8"));
}

function serve(file: string, type: string) {
  const body = readFileSync(new URL(file, PAGE_DIR));
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    void reply.headers({ ...PAGE_HEADERS, etag });
    if (request.headers["if-none-match"] === etag) return reply.status(304).send();
    return reply.type(type).send(body);
  };
}
