import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
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
      this.#fd = openSync(this.path, "a", 0o644);
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
