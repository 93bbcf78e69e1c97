import { LineSplitter, type ChildLike } from "@baa/app-server-client";
import { JsonLinesFile } from "@baa/state-files";

/**
 * The child's stdout carries JSON-RPC, which the event log already records; only the lines
 * that are not protocol go to the stdout log. stderr is kept whole.
 */
export class ChildOutputLog {
  readonly #stdout: JsonLinesFile;
  readonly #stderr: JsonLinesFile;

  constructor(stdoutPath: string, stderrPath: string) {
    this.#stdout = new JsonLinesFile(stdoutPath);
    this.#stderr = new JsonLinesFile(stderrPath);
  }

  attach(child: ChildLike): void {
    const lines = new LineSplitter({
      onLine: (line) => {
        if (!line.trimStart().startsWith("{")) this.#stdout.appendRaw(`${line}\n`);
      },
      onOversizeLine: () => this.#stdout.appendRaw("[codexd: an oversize stdout line was dropped]\n")
    });
    child.stdout?.on("data", (chunk: Buffer | string) => lines.push(chunk));
    child.stderr?.on("data", (chunk: Buffer | string) => this.#stderr.appendRaw(String(chunk)));
  }

  close(): void {
    this.#stdout.close();
    this.#stderr.close();
  }
}
