import { LineSplitter, type ChildLike } from "@baa/app-server-client";
import { JsonLinesFile, type StateFs, type WriteHealth } from "@baa/state-files";

/**
 * One of the child's output logs. A line that cannot be written (full disk) is counted and
 * reported to `health`, never thrown into the child's stream handlers; the next write that
 * works first says how many lines were lost.
 */
class OutputFile {
  readonly #file: JsonLinesFile;
  readonly #health: WriteHealth;
  #lost = 0;

  constructor(path: string, health: WriteHealth, fs: StateFs | undefined) {
    this.#file = new JsonLinesFile(path, { fs });
    this.#health = health;
  }

  write(text: string): void {
    // While failing, try again only every 100 lines (and on a probe), not per line.
    if (this.#lost > 0 && (this.#lost % 100 !== 0 || !this.#catchUp())) {
      this.#lost += 1;
      return;
    }
    try {
      this.#file.appendRaw(text);
    } catch (error) {
      this.#lost += 1;
      this.#health.failed(this.#file.path, error, { retry: () => this.#retry(), nextRetryAt: null });
    }
  }

  close(): void {
    this.#file.close();
  }

  // Writes the note about lost lines; true once it is on disk.
  #catchUp(): boolean {
    try {
      this.#file.appendRaw(`[codexd: ${this.#lost} output lines lost: this log could not be written]\n`);
    } catch (error) {
      // Still failing: the run of failures was reported when it began; update its error.
      this.#health.failed(this.#file.path, error, { retry: () => this.#retry(), nextRetryAt: null });
      return false;
    }
    this.#lost = 0;
    this.#health.succeeded(this.#file.path);
    return true;
  }

  #retry(): void {
    if (this.#lost > 0 && !this.#catchUp()) throw new Error(`${this.#file.path} still cannot be written`);
  }
}

/**
 * The child's stdout carries JSON-RPC, which the event log already records; only the lines
 * that are not protocol go to the stdout log. stderr is kept whole.
 */
export class ChildOutputLog {
  readonly #stdout: OutputFile;
  readonly #stderr: OutputFile;

  constructor(stdoutPath: string, stderrPath: string, health: WriteHealth, fs?: StateFs) {
    this.#stdout = new OutputFile(stdoutPath, health, fs);
    this.#stderr = new OutputFile(stderrPath, health, fs);
  }

  attach(child: ChildLike): void {
    const lines = new LineSplitter({
      onLine: (line) => {
        if (!line.trimStart().startsWith("{")) this.#stdout.write(`${line}\n`);
      },
      onOversizeLine: () => this.#stdout.write("[codexd: an oversize stdout line was dropped]\n")
    });
    child.stdout?.on("data", (chunk: Buffer | string) => lines.push(chunk));
    child.stderr?.on("data", (chunk: Buffer | string) => this.#stderr.write(String(chunk)));
  }

  close(): void {
    this.#stdout.close();
    this.#stderr.close();
  }
}
