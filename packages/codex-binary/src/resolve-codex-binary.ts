import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const TARGETS: Record<string, { triple: string; pkg: string }> = {
  "linux-x64": { triple: "x86_64-unknown-linux-musl", pkg: "@openai/codex-linux-x64" },
  "linux-arm64": { triple: "aarch64-unknown-linux-musl", pkg: "@openai/codex-linux-arm64" },
  "darwin-x64": { triple: "x86_64-apple-darwin", pkg: "@openai/codex-darwin-x64" },
  "darwin-arm64": { triple: "aarch64-apple-darwin", pkg: "@openai/codex-darwin-arm64" }
};

export interface CodexBinary {
  /** Absolute path of the native executable (not the node wrapper, so signals reach codex itself). */
  executable: string;
  /** Directory with helper tools (rg) that the npm wrapper puts on PATH. */
  pathDir: string | undefined;
  /** The pinned @openai/codex version. */
  version: string;
}

/**
 * The `@openai/codex` package to take the binary from: the pinned dependency, or the package folder
 * `BAA_CODEX_PACKAGE_DIR` names (another installed version, e.g. the newest for a compatibility run).
 */
function codexPackageJsonPath(env: NodeJS.ProcessEnv): string {
  const override = env.BAA_CODEX_PACKAGE_DIR;
  if (override !== undefined && override !== "") {
    const packageJson = join(override, "package.json");
    if (!existsSync(packageJson)) {
      throw new Error(`BAA_CODEX_PACKAGE_DIR=${override} holds no package.json of @openai/codex`);
    }
    return packageJson;
  }
  return createRequire(import.meta.url).resolve("@openai/codex/package.json");
}

/**
 * Finds the native codex executable shipped by the pinned `@openai/codex` dependency.
 * Spawning the native file directly avoids the npm wrapper process, which on Node 20 would
 * sit between us and codex and swallow SIGKILL.
 */
export function resolveCodexBinary(env: NodeJS.ProcessEnv = process.env): CodexBinary {
  const codexPackageJson = codexPackageJsonPath(env);
  const version = (JSON.parse(readFileSync(codexPackageJson, "utf8")) as { version: string }).version;
  const target = TARGETS[`${process.platform}-${process.arch}`];
  if (target === undefined) {
    throw new Error(`codex has no native build for ${process.platform}-${process.arch}`);
  }
  const requireFromCodex = createRequire(codexPackageJson);
  let vendorRoot: string;
  try {
    vendorRoot = join(dirname(requireFromCodex.resolve(`${target.pkg}/package.json`)), "vendor");
  } catch {
    vendorRoot = join(dirname(codexPackageJson), "vendor");
  }
  const executable = join(vendorRoot, target.triple, "bin", "codex");
  if (!existsSync(executable)) {
    throw new Error(`codex executable missing at ${executable}; reinstall dependencies (pnpm install)`);
  }
  const pathDir = join(vendorRoot, target.triple, "codex-path");
  return { executable, pathDir: existsSync(pathDir) ? pathDir : undefined, version };
}
