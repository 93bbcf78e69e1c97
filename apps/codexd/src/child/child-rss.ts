import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";

/** Reads a process's resident set size in bytes, or null when the process is gone. */
export type RssReader = (pid: number) => Promise<number | null>;

/**
 * The child's RSS: `VmRSS` of `/proc/<pid>/status` on Linux, `ps -o rss= -p <pid>` elsewhere
 * (macOS has no /proc). A process that exited meanwhile reads as null; any other failure
 * (no `ps`, unreadable /proc) is thrown for the watchdog to log.
 */
export const readChildRss: RssReader = (pid) =>
  process.platform === "linux" ? rssFromProc(pid) : rssFromPs(pid);

export async function rssFromProc(
  pid: number,
  read: (path: string) => Promise<string> = (path) => readFile(path, "utf8")
): Promise<number | null> {
  let text: string;
  try {
    text = await read(`/proc/${pid}/status`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ESRCH") return null;
    throw error;
  }
  return parseProcStatusRss(text);
}

/** `VmRSS:   123456 kB` -> bytes; null when the line is missing (a zombie has none). */
export function parseProcStatusRss(text: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  return match === null ? null : Number(match[1]) * 1024;
}

export function rssFromPs(pid: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    execFile("ps", ["-o", "rss=", "-p", String(pid)], { timeout: 5_000 }, (error, stdout) => {
      // ps exits 1 when no process has that pid.
      if (error !== null && (error as { code?: unknown }).code === 1 && stdout.trim() === "")
        return resolve(null);
      if (error !== null) return reject(error);
      resolve(parsePsRss(stdout));
    });
  });
}

/** `ps -o rss=` prints kilobytes. */
export function parsePsRss(stdout: string): number | null {
  const text = stdout.trim();
  return /^\d+$/.test(text) ? Number(text) * 1024 : null;
}
