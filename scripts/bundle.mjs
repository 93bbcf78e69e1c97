#!/usr/bin/env node
// Bundles what `tsc -b` wrote for codexd and the conductor into a few files each, so a start
// parses those instead of resolving and loading some 600 modules (docs/runtime/bundle.md).
// Usage: node scripts/bundle.mjs [codexd|conductor-daemon ...]   (after tsc -b; `pnpm run build` runs both)
// Writes apps/<app>/dist/bundle-*.js and, last, bundle-manifest.json: what the bundle was built
// from and what it wrote, with mtimes and sizes; dist/main.js uses the bundle only while all match.
import { readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const APPS = ["codexd", "conductor-daemon"];

/** Changes on every install, so a bundle made before `pnpm install` is not used after it. */
const INSTALL_MARKER = join(root, "node_modules/.modules.yaml");

const MANIFEST = "bundle-manifest.json";

function writeWhole(path, contents) {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, contents);
  renameSync(temp, path);
}

/**
 * A workspace module that finds files relative to itself (`import.meta.url`: codex-binary
 * resolving @openai/codex, control-store loading better-sqlite3, the conductor reading its
 * package.json) still gets its own URL in the bundle: computed at run time from the bundle's.
 */
function ownImportMetaUrl(dist) {
  return {
    name: "own-import-meta-url",
    setup(build) {
      build.onLoad({ filter: /\.js$/ }, async (args) => {
        if (args.path.split(sep).includes("node_modules")) return undefined;
        const text = await readFile(args.path, "utf8");
        if (!text.includes("import.meta.url")) return undefined;
        const own = relative(dist, args.path).split(sep).map(encodeURIComponent).join("/");
        return { contents: text.replaceAll("import.meta.url", `new URL(${JSON.stringify(own)}, import.meta.url).href`), loader: "js", resolveDir: dirname(args.path) };
      });
    }
  };
}

async function bundle(app) {
  const dist = join(root, "apps", app, "dist");
  // The manifest goes first and comes back last: a bundle half written is never used. Chunks of
  // the previous bundle are removed only after, so a service starting meanwhile still finds them.
  rmSync(join(dist, MANIFEST), { force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(dist, "start.js")],
    outdir: dist,
    entryNames: "bundle-[name]",
    chunkNames: "bundle-chunk-[hash]",
    bundle: true,
    // start.js imports the CLI (and the HTTP stack) only after it spawned codexd's child: a chunk of its own.
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // Names are kept, so a stack trace still names functions; `node --enable-source-maps` maps to src/.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: "linked",
    plugins: [ownImportMetaUrl(dist)],
    // Bundled CommonJS modules `require` node's built-ins; ESM has no `require` of its own.
    banner: { js: 'import { createRequire as __baaCreateRequire } from "node:module"; const require = __baaCreateRequire(import.meta.url);' },
    metafile: true,
    logLevel: "warning",
    // Written below, each file whole (a temp file renamed): a service starting meanwhile reads the old file or the new one.
    write: false
  });
  for (const file of result.outputFiles) writeWhole(file.path, file.contents);
  const files = (paths) =>
    Object.fromEntries(
      paths.map((path) => {
        const stat = statSync(path);
        return [relative(dist, path), [stat.mtimeMs, stat.size]];
      })
    );
  // Only the workspace's own files: what is under node_modules changes by an install, which the marker stands for.
  const inputs = Object.keys(result.metafile.inputs)
    .filter((path) => !path.split("/").includes("node_modules"))
    .map((path) => join(root, path));
  const outputs = Object.keys(result.metafile.outputs).map((path) => join(root, path));
  const manifest = {
    version: 1,
    entry: "bundle-start.js",
    inputs: files([...inputs, INSTALL_MARKER]),
    outputs: files(outputs)
  };
  writeWhole(join(dist, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
  const written = new Set(Object.keys(manifest.outputs));
  for (const name of readdirSync(dist)) if (name.startsWith("bundle-") && name !== MANIFEST && !written.has(name)) rmSync(join(dist, name), { force: true });
  const size = outputs.filter((path) => path.endsWith(".js")).reduce((sum, path) => sum + statSync(path).size, 0);
  console.log(`bundle: apps/${app}/dist/bundle-start.js (${outputs.length} files, ${Math.round(size / 1024)} KiB of code, ${inputs.length} workspace inputs)`);
}

const wanted = process.argv.slice(2);
for (const app of wanted.length === 0 ? APPS : wanted) {
  if (!APPS.includes(app)) throw new Error(`unknown app ${app}; one of ${APPS.join(", ")}`);
  await bundle(app);
}
