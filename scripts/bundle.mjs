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

/**
 * Apps bundled as one CommonJS file run through `vm.Script` with a V8 code cache (what the
 * loader `cjsLoader` below does): on every Node, 20 included, a start then skips compiling
 * the bundle. The others are ESM with chunks.
 */
const CODE_CACHED = new Set(["codexd"]);

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
        return {
          contents: text.replaceAll(
            "import.meta.url",
            `new URL(${JSON.stringify(own)}, import.meta.url).href`
          ),
          loader: "js",
          resolveDir: dirname(args.path)
        };
      });
    }
  };
}

/** esbuild's options by output format: ESM with chunks, or one CommonJS file for the code cache. */
function formatOptions(codeCached) {
  if (!codeCached) {
    return {
      entryNames: "bundle-[name]",
      chunkNames: "bundle-chunk-[hash]",
      // start.js imports the CLI (and the HTTP stack) only after it spawned codexd's child: a
      // chunk of its own.
      splitting: true,
      format: "esm",
      // Bundled CommonJS modules `require` node's built-ins; ESM has no `require` of its own.
      banner: {
        js:
          'import { createRequire as __baaCreateRequire } from "node:module"; ' +
          "const require = __baaCreateRequire(import.meta.url);"
      }
    };
  }
  return {
    // The hash names the code: a code cache made for one bundle is never offered to another.
    entryNames: "bundle-main-[hash]",
    outExtension: { ".js": ".cjs" },
    format: "cjs",
    // The modules dynamically imported (the CLI, the HTTP stack) are still evaluated only when imported.
    define: { "import.meta.url": "__baaBundleUrl" },
    banner: { js: 'const __baaBundleUrl = require("node:url").pathToFileURL(__filename).href;' }
  };
}

/**
 * The entry of a code-cached bundle, ESM like the modules' `start.js`: it compiles the CommonJS
 * bundle with the V8 code cache saved next to it (`<bundle>.v8cache`) and runs it. Without a
 * cache, or with one V8 rejects (another node or V8 flags), the bundle is compiled from source
 * and, when the process exits, the cache is written (a temporary file renamed): by then it holds
 * every function the run compiled. `NODE_DISABLE_COMPILE_CACHE=1` turns it off, as node's own.
 */
function cjsLoader(bundleName) {
  return `// Made by scripts/bundle.mjs: runs ${bundleName} with a V8 code cache (docs/runtime/bundle.md).
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const file = fileURLToPath(new URL(${JSON.stringify(`./${bundleName}`)}, import.meta.url));
const cacheFile = \`\${file}.v8cache\`;
const disabled = process.env.NODE_DISABLE_COMPILE_CACHE;
const useCache = disabled === undefined || disabled === "";
const note = (what) => process.stderr.write(\`codexd: the code cache \${cacheFile} \${what}\\n\`);
let cachedData;
if (useCache) {
  try {
    cachedData = readFileSync(cacheFile);
  } catch (error) {
    if (error.code !== "ENOENT") {
      note(\`is unreadable (\${error.code}); compiling\`);
    }
  }
}
// The wrapper stands on a line of its own, so line numbers in stack traces stay the bundle's.
const head = "(function (exports, require, module, __filename, __dirname) {";
const wrapped = \`\${head}\\n\${readFileSync(file, "utf8")}\\n})\`;
const script = new vm.Script(wrapped, {
  filename: file,
  lineOffset: -1,
  cachedData,
  importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER ?? ((specifier) => import(specifier))
});
const makeCache = useCache && (cachedData === undefined || script.cachedDataRejected === true);
// Not held for the life of the process (V8 has taken what it needs).
cachedData = undefined;
if (makeCache) {
  process.once("exit", () => {
    const temp = \`\${cacheFile}.\${process.pid}.tmp\`;
    try {
      writeFileSync(temp, script.createCachedData());
      renameSync(temp, cacheFile);
    } catch (error) {
      const why = error.code ?? error.message;
      note(\`could not be written (\${why}); the next start compiles\`);
    }
  });
}
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
`;
}

async function bundle(app) {
  const dist = join(root, "apps", app, "dist");
  const codeCached = CODE_CACHED.has(app);
  // The manifest goes first and comes back last: a bundle half written is never used. Chunks of
  // the previous bundle are removed only after, so a service starting meanwhile still finds them.
  rmSync(join(dist, MANIFEST), { force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(dist, "start.js")],
    outdir: dist,
    ...formatOptions(codeCached),
    bundle: true,
    platform: "node",
    target: "node20",
    // Names are kept, so a stack trace still names functions; `node --enable-source-maps` maps to src/.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: "linked",
    plugins: [ownImportMetaUrl(dist)],
    metafile: true,
    logLevel: "warning",
    // Written below, each file whole (a temp file renamed): a service starting meanwhile reads the old file or the new one.
    write: false
  });
  for (const file of result.outputFiles) writeWhole(file.path, file.contents);
  const outputPaths = Object.keys(result.metafile.outputs).map((path) => join(root, path));
  if (codeCached) {
    const main = outputPaths.find((path) => path.endsWith(".cjs"));
    writeWhole(join(dist, "bundle-start.js"), cjsLoader(relative(dist, main)));
    outputPaths.push(join(dist, "bundle-start.js"));
  }
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
  const outputs = outputPaths;
  const manifest = {
    version: 1,
    entry: "bundle-start.js",
    inputs: files([...inputs, INSTALL_MARKER]),
    outputs: files(outputs)
  };
  writeWhole(join(dist, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
  const written = new Set(Object.keys(manifest.outputs));
  for (const name of readdirSync(dist))
    if (name.startsWith("bundle-") && name !== MANIFEST && !written.has(name))
      rmSync(join(dist, name), { force: true });
  const size = outputs
    .filter((path) => /\.c?js$/.test(path))
    .reduce((sum, path) => sum + statSync(path).size, 0);
  console.log(
    `bundle: apps/${app}/dist/bundle-start.js (${outputs.length} files, ${Math.round(size / 1024)} KiB of code, ${inputs.length} workspace inputs)`
  );
}

const wanted = process.argv.slice(2);
for (const app of wanted.length === 0 ? APPS : wanted) {
  if (!APPS.includes(app)) throw new Error(`unknown app ${app}; one of ${APPS.join(", ")}`);
  await bundle(app);
}
