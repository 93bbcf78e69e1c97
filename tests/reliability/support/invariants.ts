import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Every `*.json` under `dir` parses (no torn state file); returns how many were read. */
export function assertJsonFilesParse(dir: string): number {
  let count = 0;
  const walk = (at: string) => {
    let names: string[];
    try {
      names = readdirSync(at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    for (const name of names) {
      const path = join(at, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat === undefined) continue;
      if (stat.isDirectory()) walk(path);
      else if (name.endsWith(".json")) {
        const text = readFileSync(path, "utf8");
        try {
          JSON.parse(text);
        } catch (error) {
          throw new Error(`torn state file ${path} (${text.length} bytes): ${(error as Error).message}`);
        }
        count++;
      }
    }
  };
  walk(dir);
  return count;
}

export type LoggedEvent = { seq: number; type: string; [key: string]: unknown };

/**
 * codexd's event log, rotated segments first. A torn line (a write cut by a crash or a full
 * disk; the next append ends it) is not an event: readers skip it by design
 * (packages/state-files, JsonLinesFile). Each is returned in `torn` with the seq it began.
 */
export function readEventLogWithTorn(logsDir: string): {
  events: LoggedEvent[];
  torn: { file: string; seq: number | null }[];
} {
  const files = readdirSync(logsDir)
    .filter((f) => f.startsWith("events") && f.endsWith(".jsonl"))
    .sort();
  const ordered = [
    ...files.filter((f) => f !== "events.jsonl"),
    ...(files.includes("events.jsonl") ? ["events.jsonl"] : [])
  ];
  const events: LoggedEvent[] = [];
  const torn: { file: string; seq: number | null }[] = [];
  for (const f of ordered) {
    for (const line of readFileSync(join(logsDir, f), "utf8").split("\n")) {
      if (line.trim() === "") continue;
      try {
        events.push(JSON.parse(line));
      } catch {
        const seq = /^\{"seq":(\d+)/.exec(line)?.[1];
        torn.push({ file: f, seq: seq === undefined ? null : Number(seq) });
      }
    }
  }
  return { events, torn };
}

/** The event log's events (torn lines skipped, as codexd's readers do). */
export function readEventLog(logsDir: string): LoggedEvent[] {
  return readEventLogWithTorn(logsDir).events;
}

/** Seqs strictly increase by one from the first kept (rotation may drop the oldest segments). */
export function seqProblems(seqs: number[]): string[] {
  const problems: string[] = [];
  for (let i = 1; i < seqs.length; i++) {
    if (seqs[i] !== seqs[i - 1]! + 1) problems.push(`seq ${seqs[i - 1]} followed by ${seqs[i]}`);
  }
  return problems;
}

/** Two runs of one task overlap in time (both `running` at once). */
export function overlappingRuns(
  runs: { runId: string; startedAt: string; endedAt: string | null }[]
): string[] {
  const sorted = [...runs].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const problems: string[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    const end = previous.endedAt === null ? Number.POSITIVE_INFINITY : Date.parse(previous.endedAt);
    if (end > Date.parse(sorted[i]!.startedAt))
      problems.push(
        `${previous.runId} (ended ${previous.endedAt}) overlaps ${sorted[i]!.runId} (started ${sorted[i]!.startedAt})`
      );
  }
  return problems;
}
