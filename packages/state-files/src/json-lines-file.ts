import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/**
 * An append-only file of one JSON value per line. Each append is a single write(2) on an
 * O_APPEND descriptor, so a killed process loses nothing it already appended and never leaves
 * half a line from a concurrent writer.
 */
export class JsonLinesFile {
  readonly path: string;
  #fd: number | undefined;

  constructor(path: string) {
    this.path = path;
  }

  append(value: unknown): void {
    this.appendRaw(`${JSON.stringify(value)}\n`);
  }

  appendRaw(text: string): void {
    if (this.#fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.#fd = openSync(this.path, "a+", 0o644);
      terminateTornLine(this.#fd);
    }
    writeSync(this.#fd, text);
  }

  close(): void {
    if (this.#fd !== undefined) {
      closeSync(this.#fd);
      this.#fd = undefined;
    }
  }
}

// A crash in the middle of a line leaves it unterminated; end it so the next record starts on
// a line of its own (readers skip the one torn line).
function terminateTornLine(fd: number): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] !== 0x0a) writeSync(fd, "\n");
}
