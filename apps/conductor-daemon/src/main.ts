#!/usr/bin/env node
// Entry point: `node dist/main.js <command> [flags]`. Runs start.js, from the bundle `pnpm run build`
// makes (scripts/bundle.mjs) when nothing it was built from changed since, else from the modules
// `tsc -b` wrote (docs/runtime/bundle.md).
import module from "node:module";
import { BundleRequiredError, chooseEntry } from "@baa/lifecycle/bundle";

// Node 22+: V8's compiled code is cached on disk across starts (NODE_DISABLE_COMPILE_CACHE=1 turns it off).
const compileCache = (module as { enableCompileCache?: () => unknown }).enableCompileCache;
if (typeof compileCache === "function") compileCache();

let entry: URL;
try {
  entry = chooseEntry(new URL("./bundle-manifest.json", import.meta.url), new URL("./start.js", import.meta.url), process.env.BAA_BUNDLE).entry;
} catch (error) {
  if (!(error instanceof BundleRequiredError)) throw error;
  process.stderr.write(`conductor-daemon: ${error.message}\n`);
  process.exit(2);
}
await import(entry.href);
