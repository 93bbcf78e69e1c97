import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempDir {
  root: string;
  path(...parts: string[]): string;
  cleanup(): void;
}

export function tempDir(prefix: string): TempDir {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return { root, path: (...parts) => join(root, ...parts), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
