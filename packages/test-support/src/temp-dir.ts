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
  /** Removes it with everything in it; a second call does nothing. */
  remove(): void;
}

/** A fresh directory under os.tmpdir(), removed with everything in it when `t` ends (or by `remove()`). */
export function tempDir(t: AfterHook, prefix = "baa-test-"): TempDir {
  const dir = makeTempDir(prefix);
  t.after(() => dir.remove());
  return dir;
}

/**
 * A fresh directory under os.tmpdir() that the caller removes: for a stack or fixture that must stop
 * what writes into it first, and has no test context of its own. Prefer `tempDir(t)` in a test.
 */
export function makeTempDir(prefix = "baa-test-"): TempDir {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return {
    root,
    path: (...parts) => join(root, ...parts),
    remove: () => rmSync(root, { recursive: true, force: true })
  };
}
