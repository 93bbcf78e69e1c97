import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Anything that runs a function when a test (or suite) ends: a TestContext, or `{ after }` from node:test. */
export interface AfterHook {
  after(fn: () => unknown): unknown;
}

export interface TempDir {
  /** The directory itself. */
  root: string;
  /** A path inside it. */
  path(...parts: string[]): string;
}

/** A fresh directory under os.tmpdir(), removed with everything in it when `t` ends. */
export function tempDir(t: AfterHook, prefix = "baa-test-"): TempDir {
  const root = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return { root, path: (...parts) => join(root, ...parts) };
}
