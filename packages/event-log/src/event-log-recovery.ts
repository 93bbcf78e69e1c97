import { closeSync, fstatSync, openSync, readSync } from "node:fs";

const CHUNK = 64 * 1024;

/**
 * The seq of the last whole event line in a JSON Lines log, or undefined when the file is
 * missing or holds none. Reads backwards from the end, so only the tail is touched; a torn last
 * line (a crash mid-write) is skipped and the one before it counts.
 */
export function readLastSeq(path: string): number | undefined {
  return withFile(path, (fd, size) => {
    let length = Math.min(size, CHUNK);
    for (;;) {
      const start = size - length;
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, start);
      const lines = buffer.toString("utf8").split("\n");
      // The first piece may be the end of a line that began before `start`.
      const first = start === 0 ? 0 : 1;
      for (let i = lines.length - 1; i >= first; i -= 1) {
        const seq = seqOf(lines[i] as string);
        if (seq !== undefined) return seq;
      }
      if (start === 0) return undefined;
      length = Math.min(size, length * 2);
    }
  });
}

/**
 * The seq of the first whole event line, or undefined. Reads forward one chunk at a time and
 * keeps only the current partial line, so a file of any size costs little memory.
 */
export function readFirstSeq(path: string): number | undefined {
  return withFile(path, (fd, size) => {
    const buffer = Buffer.alloc(CHUNK);
    let carry = "";
    for (let position = 0; position < size; ) {
      const read = readSync(fd, buffer, 0, CHUNK, position);
      if (read === 0) break;
      position += read;
      const lines = (carry + buffer.toString("utf8", 0, read)).split("\n");
      carry = lines.pop() as string;
      for (const line of lines) {
        const seq = seqOf(line);
        if (seq !== undefined) return seq;
      }
    }
    return seqOf(carry);
  });
}

/** Parses one log line; undefined for blank, torn or foreign lines. */
export function parseEventLine<T extends { seq: number }>(line: string): T | undefined {
  if (line.length < 2 || line.charCodeAt(0) !== 0x7b /* { */) return undefined;
  try {
    const value = JSON.parse(line) as { seq?: unknown };
    return typeof value === "object" && value !== null && typeof value.seq === "number"
      ? (value as T)
      : undefined;
  } catch {
    return undefined;
  }
}

function seqOf(line: string): number | undefined {
  return parseEventLine(line.trim())?.seq;
}

function withFile<T>(path: string, read: (fd: number, size: number) => T | undefined): T | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    return size === 0 ? undefined : read(fd, size);
  } finally {
    closeSync(fd);
  }
}
