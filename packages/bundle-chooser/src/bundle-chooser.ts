import { readFileSync, statSync } from "node:fs";
import module from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * What `scripts/bundle.mjs` writes next to a bundle: every file the bundle was built from (the
 * workspace's compiled modules and the install marker) and every file it wrote, each with the
 * mtime and size it had then, as paths relative to the manifest's directory.
 */
export interface BundleManifest {
  version: 1;
  /** The bundle's entry module, relative to the manifest's directory. */
  entry: string;
  inputs: Record<string, [mtimeMs: number, size: number]>;
  outputs: Record<string, [mtimeMs: number, size: number]>;
}

/** `BAA_BUNDLE`: `auto` (the default) uses a fresh bundle, `off` never, `require` fails without one. */
export type BundleMode = "auto" | "off" | "require";

export type BundleChoice = { use: "bundle"; entry: URL } | { use: "modules"; entry: URL; reason: string };

export class BundleRequiredError extends Error {}

/**
 * Picks what a service's `main.js` imports: the bundle described by `manifestUrl` when every
 * file it was built from and every file it wrote still has the mtime and size it had then (so a
 * `tsc -b` or an install after the bundle was made leaves it unused), else `modulesEntry`, the
 * modules `tsc -b` wrote. Costs one small read and a stat per file.
 */
export function chooseEntry(manifestUrl: URL, modulesEntry: URL, mode: string | undefined): BundleChoice {
  const wanted = parseMode(mode);
  if (wanted === "off") return { use: "modules", entry: modulesEntry, reason: "BAA_BUNDLE=off" };
  const stale = staleness(manifestUrl);
  if (stale.entry !== undefined) return { use: "bundle", entry: stale.entry };
  if (wanted === "require")
    throw new BundleRequiredError(`BAA_BUNDLE=require but the bundle is not usable: ${stale.reason}`);
  return { use: "modules", entry: modulesEntry, reason: stale.reason };
}

function parseMode(mode: string | undefined): BundleMode {
  if (mode === undefined || mode === "" || mode === "auto") return "auto";
  if (mode === "off" || mode === "require") return mode;
  throw new BundleRequiredError(`BAA_BUNDLE must be auto, off or require, not ${JSON.stringify(mode)}`);
}

function staleness(
  manifestUrl: URL
): { entry: URL; reason?: undefined } | { entry?: undefined; reason: string } {
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestUrl, "utf8")) as BundleManifest;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      reason:
        code === "ENOENT"
          ? "no bundle (pnpm run build makes one)"
          : `unreadable manifest: ${(error as Error).message}`
    };
  }
  if (
    manifest.version !== 1 ||
    typeof manifest.entry !== "string" ||
    typeof manifest.inputs !== "object" ||
    typeof manifest.outputs !== "object"
  ) {
    return { reason: "manifest of another format" };
  }
  const dir = dirname(fileURLToPath(manifestUrl));
  for (const files of [manifest.outputs, manifest.inputs]) {
    for (const [path, [mtimeMs, size]] of Object.entries(files)) {
      const stat = statSync(resolve(dir, path), { throwIfNoEntry: false });
      if (stat === undefined) return { reason: `${path} is gone` };
      if (stat.mtimeMs !== mtimeMs || stat.size !== size)
        return { reason: `${path} changed since the bundle was made` };
    }
  }
  if (manifest.outputs[manifest.entry] === undefined)
    return { reason: "the manifest's entry is not among its outputs" };
  return { entry: pathToFileURL(resolve(dir, manifest.entry)) };
}

/**
 * What a service's `dist/main.js` does: turns on node's compile cache where the runtime has it
 * (Node 22+; `NODE_DISABLE_COMPILE_CACHE=1` turns it off), then imports `start.js` from the
 * bundle next to `mainUrl` when it is fresh, else from the modules. With `BAA_BUNDLE=require`
 * and no fresh bundle it writes the reason to stderr and exits 2.
 */
export async function startFromBundleOrModules(
  service: string,
  mainUrl: string,
  env: NodeJS.ProcessEnv = process.env
): Promise<void> {
  const compileCache = (module as { enableCompileCache?: () => unknown }).enableCompileCache;
  if (typeof compileCache === "function") compileCache();
  let entry: URL;
  try {
    entry = chooseEntry(
      new URL("./bundle-manifest.json", mainUrl),
      new URL("./start.js", mainUrl),
      env.BAA_BUNDLE
    ).entry;
  } catch (error) {
    if (!(error instanceof BundleRequiredError)) throw error;
    process.stderr.write(`${service}: ${error.message}\n`);
    process.exit(2);
  }
  await import(entry.href);
}
