import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JsonLinesFile, writeJsonAtomic } from "@baa/state-files";

/**
 * `runsDir/<run_id>/`: `meta.json` (rewritten as the run goes), `events.jsonl` (every event of
 * the run as recorded), and at the end `final-message.md`, `usage.json`, `setup.json` and `checks.json`
 * when they ran, and, when the run committed changes to its task's branch, `diff.patch` (that
 * commit's patch).
 */
export class RunFolder {
  readonly path: string;
  readonly #events: JsonLinesFile;

  constructor(runsDir: string, runId: string) {
    this.path = join(runsDir, runId);
    mkdirSync(this.path, { recursive: true });
    this.#events = new JsonLinesFile(join(this.path, "events.jsonl"));
  }

  writeMeta(meta: Record<string, unknown>): void {
    writeJsonAtomic(join(this.path, "meta.json"), meta, { durable: false });
  }

  appendEventJson(json: string): void {
    this.#events.appendRaw(`${json}\n`);
  }

  writeFinalMessage(text: string): void {
    writeFileSync(join(this.path, "final-message.md"), text.endsWith("\n") ? text : `${text}\n`);
  }

  writeUsage(usage: unknown): void {
    writeJsonAtomic(join(this.path, "usage.json"), usage, { durable: false });
  }

  /** `setup.json`, `checks.json`: a result as JSON (output tails are already bounded). */
  writeJson(name: string, value: unknown): void {
    writeJsonAtomic(join(this.path, name), value, { durable: false });
  }

  writeDiff(patch: string): void {
    writeFileSync(join(this.path, "diff.patch"), patch);
  }

  close(): void {
    this.#events.close();
  }
}
