import { readFileSync } from "node:fs";

/**
 * The child's resident memory in bytes from `/proc/<pid>/status` (VmRSS), or null where there
 * is no /proc (macOS), no child, or it exited between the status read and this one.
 */
export function childResidentBytes(pid: number | null): number | null {
  if (pid === null || process.platform !== "linux") return null;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch (error) {
    // The child exited since its pid was read: no value this scrape, by design.
    if (
      (error as NodeJS.ErrnoException).code === "ENOENT" ||
      (error as NodeJS.ErrnoException).code === "ESRCH"
    )
      return null;
    throw error;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  return match === null ? null : Number(match[1]) * 1024;
}
