#!/usr/bin/env node
// Entry point: `node dist/main.js <command> [flags]`. Runs start.js, from the bundle `pnpm run build`
// makes (scripts/bundle.mjs) when nothing it was built from changed since, else from the modules
// `tsc -b` wrote (docs/runtime/bundle.md).
import { startFromBundleOrModules } from "@baa/bundle-chooser";

await startFromBundleOrModules("codexd", import.meta.url);
