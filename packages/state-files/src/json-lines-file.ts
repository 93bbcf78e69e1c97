import { nodeStateFs, type AppendTarget, type StateFs } from "./state-fs.js";

/**
 * An append-only file of one JSON value per line. Each append is written whole on an O_APPEND
 * descriptor, so a killed process loses nothing it already appended and never leaves half a
 * line from a concurrent writer. A failed append throws; the next one first ends the line the
 * failure may have torn (readers skip a torn line).
 */
export class JsonLinesFile {
  readonly path: string;
  readonly #fs: StateFs;
  #target: AppendTarget | undefined;

  constructor(path: string, options: { fs?: StateFs } = {}) {
    this.path = path;
    this.#fs = options.fs ?? nodeStateFs;
  }

  append(value: unknown): void {
    this.appendRaw(`${JSON.stringify(value)}\n`);
  }

  appendRaw(text: string): void {
    this.#target ??= this.#fs.openAppend(this.path);
    try {
      this.#target.write(text);
    } catch (error) {
      // Reopening checks the last byte and ends a torn line before the next append.
      this.close();
      throw error;
    }
  }

  close(): void {
    const target = this.#target;
    this.#target = undefined;
    target?.close();
  }
}
