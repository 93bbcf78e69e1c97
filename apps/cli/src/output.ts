/** Where a command writes: stdout for results, stderr for progress and errors. */
export interface Writer {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface Output {
  stdout: Writer;
  stderr: Writer;
  json: boolean;
  /** Elapsed milliseconds since some fixed point (injected so tests need no wall clock). */
  now: () => number;
}

/** Prints the result: JSON when --json, else the human text. */
export function printResult(out: Output, data: unknown, human: () => string): void {
  if (out.json) out.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else {
    const text = human();
    if (text !== "") out.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }
}

/**
 * A progress line on stderr while a turn or task runs. On a terminal it is rewritten in place;
 * elsewhere a line is printed only when its text (without the clock) changes, so logs stay short.
 * Silent with --json (stdout then carries only the final document).
 */
export class ProgressLine {
  readonly #out: Output;
  #lastKey = "";
  #shown = false;

  constructor(out: Output) {
    this.#out = out;
  }

  update(text: string, clock = ""): void {
    if (this.#out.json) return;
    if (this.#out.stderr.isTTY === true) {
      this.#out.stderr.write(`\r\x1b[2K${text}${clock === "" ? "" : ` · ${clock}`}`);
      this.#shown = true;
      return;
    }
    if (text === this.#lastKey) return;
    this.#lastKey = text;
    this.#out.stderr.write(`${text}\n`);
  }

  /** A line that stays (an approval to answer, a retry). */
  note(text: string): void {
    if (this.#out.json) return;
    this.clear();
    this.#out.stderr.write(`${text}\n`);
  }

  clear(): void {
    if (this.#shown && this.#out.stderr.isTTY === true) this.#out.stderr.write("\r\x1b[2K");
    this.#shown = false;
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** A plain text table: columns padded to the widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return "";
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** One event as a line: `#seq time type [session] [turn] summary`. */
export function eventLine(event: EventLike): string {
  const time = typeof event.at === "string" ? event.at.slice(11, 23) : "";
  const where = [
    event.taskId && `task ${event.taskId}`,
    event.sessionId && `session ${event.sessionId}`,
    event.turnId && `turn ${event.turnId}`
  ]
    .filter(Boolean)
    .join(" ");
  const detail = summarize(event);
  return `#${event.seq} ${time} ${event.type}${where === "" ? "" : ` (${where})`}${detail === "" ? "" : `: ${detail}`}`;
}

export interface EventLike {
  seq: number;
  type: string;
  at?: string;
  sessionId?: string | null;
  turnId?: string | null;
  taskId?: string;
  runId?: string;
  data?: unknown;
}

function summarize(event: EventLike): string {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const params = (data.params ?? data) as Record<string, unknown>;
  if (typeof params.delta === "string") return JSON.stringify(params.delta);
  const turn = params.turn as { status?: string } | undefined;
  if (turn?.status) return turn.status;
  const approval = data.approval as { approvalId?: string; kind?: string; status?: string } | undefined;
  if (typeof approval?.approvalId === "string")
    return `${approval.approvalId} (${approval.kind ?? "?"}, ${approval.status ?? "?"})`;
  if (typeof data.taskState === "string")
    return `run ${String(data.state)}, task ${data.taskState}${typeof data.reason === "string" ? `: ${data.reason}` : ""}`;
  if (typeof data.state === "string") return data.state;
  if (typeof data.reason === "string") return data.reason;
  return "";
}
