import { open, type FileHandle } from "node:fs/promises";
import { compileFilter, type CodexdEvent, type EventFilter } from "./event-log-filter.js";
import { parseEventLine } from "./event-log-recovery.js";
import type { EventLogFiles } from "./event-segments.js";

/** One page of a query over the whole log. */
export interface EventPage {
  /** Matching events in seq order. */
  events: CodexdEvent[];
  /** Pass as `after` for the next page; null when nothing more matched. */
  nextAfter: number | null;
  /** The log's newest seq when the query began; later events are not part of this answer. */
  lastSeq: number;
}

export const DEFAULT_QUERY_LIMIT = 200;
export const MAX_QUERY_LIMIT = 1000;
const CHUNK = 64 * 1024;
// A file (or the part of it still to search) smaller than this is read from where the search
// stopped; above it, a binary search over byte offsets finds where `after` lies.
const SEEK_MIN_BYTES = 4 * CHUNK;
const PROBE = 4 * 1024;

/** Opens a log file for reading; tests pass one that records what was opened and read. */
export type OpenEventFile = (path: string) => Promise<Pick<FileHandle, "read" | "stat" | "close">>;

export interface QueryScan {
  files: () => EventLogFiles;
  lastSeq: number;
  /** Stop a page once its events' serialized size reaches this, so one page of big events stays small. */
  maxBytes?: number;
  /** Default: `fs/promises` `open(path, "r")`. */
  open?: OpenEventFile;
}

/**
 * Scans the log files from the one that holds the seq after `filter.after` (each file's first
 * seq says which: earlier files are not opened), starting inside it where a binary search over
 * byte offsets puts `after`, one chunk at a time, skipping torn lines. Files are re-listed when a rotation or deletion happened during
 * the scan; the seq cursor makes the rescan skip what it already saw.
 */
export async function queryEventFiles(scan: QueryScan, filter: EventFilter): Promise<EventPage> {
  const limit = Math.min(Math.max(Math.trunc(filter.limit ?? DEFAULT_QUERY_LIMIT), 1), MAX_QUERY_LIMIT);
  const maxBytes = scan.maxBytes ?? Number.POSITIVE_INFINITY;
  const keep = compileFilter({ ...filter, after: undefined });
  const events: CodexdEvent[] = [];
  let cursor = filter.after ?? 0;
  let bytes = 0;
  let more = false;
  let done = cursor >= scan.lastSeq;
  let pastEnd = false;

  const onEvent = (event: CodexdEvent, size: number): boolean => {
    if (event.seq <= cursor) return true;
    if (event.seq > scan.lastSeq) {
      pastEnd = true;
      return false;
    }
    cursor = event.seq;
    if (keep(event)) {
      if (events.length >= limit || bytes >= maxBytes) {
        more = true;
        done = true;
        return false;
      }
      events.push(event);
      bytes += size;
    }
    if (cursor >= scan.lastSeq) done = true;
    return !done;
  };

  const visit: LineVisitor = { skip: (seq) => seq <= cursor, onEvent };
  const openFile: OpenEventFile = scan.open ?? ((path) => open(path, "r"));

  while (!done) {
    const { generation, files } = scan.files();
    pastEnd = false;
    for (let i = 0; i < files.length && !done && !pastEnd; i += 1) {
      const upper = files[i + 1]?.firstSeq;
      if (upper !== undefined && upper - 1 <= cursor) continue;
      await scanFile(openFile, (files[i] as { path: string }).path, visit);
    }
    // A rotation during the scan may have renamed the active file away before it was opened;
    // newer events in its place do not mean the older ones were all seen.
    if (scan.files().generation === generation) break;
  }
  return { events, nextAfter: more ? (events.at(-1) as CodexdEvent).seq : null, lastSeq: scan.lastSeq };
}

interface LineVisitor {
  /** True when a line with this seq needs no parsing (already seen). */
  skip: (seq: number) => boolean;
  /** Handles one parsed event; false stops the file. */
  onEvent: (event: CodexdEvent, size: number) => boolean;
}

// Reads whole lines only: an unterminated tail is a line being written right now or torn by a
// crash, and in both cases not a finished event.
async function scanFile(openFile: OpenEventFile, path: string, visit: LineVisitor): Promise<void> {
  let handle: Awaited<ReturnType<OpenEventFile>>;
  try {
    handle = await openFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  try {
    let position = await seekStart(handle, visit.skip);
    const chunk = Buffer.allocUnsafe(CHUNK);
    let pieces: Buffer[] = [];
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, CHUNK, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      let start = 0;
      for (
        let nl = chunk.indexOf(0x0a, start);
        nl !== -1 && nl < bytesRead;
        nl = chunk.indexOf(0x0a, start)
      ) {
        const tail = chunk.subarray(start, nl);
        const line = pieces.length === 0 ? tail : Buffer.concat([...pieces, tail]);
        pieces = [];
        start = nl + 1;
        const seq = peekSeq(line);
        if (seq !== undefined && visit.skip(seq)) continue;
        const event = parseEventLine<CodexdEvent>(line.toString("utf8"));
        if (event !== undefined && !visit.onEvent(event, line.length + 1)) return;
      }
      // The chunk buffer is reused, so a partial line is copied out.
      if (start < bytesRead) pieces.push(Buffer.from(chunk.subarray(start, bytesRead)));
    }
  } finally {
    await handle.close();
  }
}

type Handle = Awaited<ReturnType<OpenEventFile>>;

/**
 * The offset of a line start at or before the first line whose seq is not `seen`: lines are in
 * seq order, so a binary search over byte offsets finds it, probing the first whole line after
 * each midpoint. A newline never occurs inside a JSON line (strings escape it, and no UTF-8
 * sequence holds 0x0a), so the byte after one always starts a line.
 */
async function seekStart(handle: Handle, seen: (seq: number) => boolean): Promise<number> {
  let lo = 0;
  let hi = (await handle.stat()).size;
  while (hi - lo > SEEK_MIN_BYTES) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const probe = await seqLineAt(handle, mid, hi);
    if (probe !== undefined && seen(probe.seq)) lo = probe.start;
    else hi = mid;
  }
  return lo;
}

// The first line starting after `from` (and before `end`) whose seq can be read, or undefined.
async function seqLineAt(
  handle: Handle,
  from: number,
  end: number
): Promise<{ start: number; seq: number } | undefined> {
  const buffer = Buffer.allocUnsafe(PROBE);
  let position = from;
  let lineStart: number | undefined;
  while (position < end) {
    if (lineStart === undefined) {
      const { bytesRead } = await handle.read(buffer, 0, PROBE, position);
      if (bytesRead === 0) return undefined;
      const nl = buffer.subarray(0, bytesRead).indexOf(0x0a);
      if (nl === -1) position += bytesRead;
      else lineStart = position + nl + 1;
      continue;
    }
    if (lineStart >= end) return undefined;
    const { bytesRead } = await handle.read(buffer, 0, PROBE, lineStart);
    if (bytesRead === 0) return undefined;
    const seq = peekSeq(buffer.subarray(0, bytesRead));
    if (seq !== undefined) return { start: lineStart, seq };
    // Not one of our lines (torn by a crash): the next one.
    position = lineStart;
    lineStart = undefined;
  }
  return undefined;
}

const SEQ_PREFIX = Buffer.from('{"seq":');

// Pages after the first rescan their file from the top; reading the seq our own writer puts
// first on each line lets those lines be skipped without decoding or JSON.parse.
function peekSeq(line: Buffer): number | undefined {
  if (
    line.length <= SEQ_PREFIX.length ||
    line.compare(SEQ_PREFIX, 0, SEQ_PREFIX.length, 0, SEQ_PREFIX.length) !== 0
  )
    return undefined;
  let seq = 0;
  let i = SEQ_PREFIX.length;
  for (; i < line.length && i < SEQ_PREFIX.length + 16; i += 1) {
    const digit = (line[i] as number) - 0x30;
    if (digit < 0 || digit > 9) break;
    seq = seq * 10 + digit;
  }
  return i > SEQ_PREFIX.length && line[i] === 0x2c /* , */ ? seq : undefined;
}
