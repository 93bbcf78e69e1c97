import { StringDecoder } from "node:string_decoder";

/** 16 MiB: far above any real app-server message, small enough to stop a runaway line. */
export const DEFAULT_MAX_LINE_LENGTH = 16 * 1024 * 1024;

/** Options of {@link LineSplitter}. */
export interface LineSplitterOptions {
  /** Called once per complete line, without its `\n` (a trailing `\r` is dropped too). */
  onLine: (line: string) => void;
  /** Called when a line grows past `maxLineLength`; that line is discarded up to its next `\n`. */
  onOversizeLine?: (error: LineTooLongError) => void;
  /** Longest accepted line in UTF-16 code units; default {@link DEFAULT_MAX_LINE_LENGTH}. */
  maxLineLength?: number;
}

/** Reported when a single line exceeds the splitter's limit. */
export class LineTooLongError extends Error {
  override readonly name = "LineTooLongError";
  constructor(readonly maxLineLength: number) {
    super(`line longer than ${maxLineLength} characters discarded`);
  }
}

/**
 * Splits a byte or text stream into lines. Chunks may cut lines (and multi-byte characters)
 * anywhere; the partial tail is kept until its newline arrives.
 *
 * @example
 * const splitter = new LineSplitter({ onLine: (line) => console.log(line) });
 * child.stdout.on("data", (chunk) => splitter.push(chunk));
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder("utf8");
  readonly #onLine: (line: string) => void;
  readonly #onOversizeLine: ((error: LineTooLongError) => void) | undefined;
  readonly #maxLineLength: number;
  #parts: string[] = [];
  #partLength = 0;
  // While true, bytes are thrown away until the next newline ends the oversize line.
  #discarding = false;

  constructor(options: LineSplitterOptions) {
    this.#onLine = options.onLine;
    this.#onOversizeLine = options.onOversizeLine;
    this.#maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  }

  /** Feeds one chunk; emits every line it completes, in order. */
  push(chunk: Buffer | string): void {
    const text = typeof chunk === "string" ? chunk : this.#decoder.write(chunk);
    let start = 0;
    for (;;) {
      const newline = text.indexOf("\n", start);
      if (newline === -1) {
        this.#keep(text.slice(start));
        return;
      }
      this.#keep(text.slice(start, newline));
      this.#finishLine();
      start = newline + 1;
    }
  }

  /** Emits a final unterminated line, if any (call when the stream ends). */
  flush(): void {
    this.#keep(this.#decoder.end());
    if (this.#partLength > 0 && !this.#discarding) {
      this.#finishLine();
    }
    this.#reset();
    this.#discarding = false;
  }

  #keep(piece: string): void {
    if (this.#discarding || piece.length === 0) {
      return;
    }
    if (this.#partLength + piece.length > this.#maxLineLength) {
      this.#reset();
      this.#discarding = true;
      this.#onOversizeLine?.(new LineTooLongError(this.#maxLineLength));
      return;
    }
    // Pieces are joined once per line so a line spread over many chunks stays linear.
    this.#parts.push(piece);
    this.#partLength += piece.length;
  }

  #finishLine(): void {
    if (this.#discarding) {
      this.#discarding = false;
      return;
    }
    let line = this.#parts.length === 1 ? (this.#parts[0] ?? "") : this.#parts.join("");
    this.#reset();
    if (line.endsWith("\r")) {
      line = line.slice(0, -1);
    }
    this.#onLine(line);
  }

  #reset(): void {
    this.#parts = [];
    this.#partLength = 0;
  }
}
