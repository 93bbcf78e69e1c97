import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temp directory that removes itself with `using`/`[Symbol.dispose]` or `cleanup()`. */
export function tempWorkspace(prefix = "codexd-test-") {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return {
    root,
    path: (...parts: string[]) => join(root, ...parts),
    cleanup: () => rmSync(root, { recursive: true, force: true })
  };
}
