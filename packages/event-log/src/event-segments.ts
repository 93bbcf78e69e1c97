import { existsSync, readdirSync, renameSync, statSync, unlinkSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { JsonLinesFile, errnoCode, type StateFs, type StateLogger } from "@baa/state-files";
import { readFirstSeq, readLastSeq } from "./event-log-recovery.js";

/** One file of the log, oldest first; `firstSeq` is undefined for an active file still empty. */
export interface EventLogFile {
  path: string;
  firstSeq: number | undefined;
}

/** What a reader scans: the files in seq order, and a generation that changes when they move. */
export interface EventLogFiles {
  generation: number;
  files: EventLogFile[];
}

export interface EventSegmentsOptions {
  /** The active file; it keeps this name, rotated segments sit beside it. */
  logPath: string;
  /** The active file is rotated into a segment once it holds at least this many bytes. */
  maxFileBytes: number;
  /** Oldest segments are deleted while segments plus the active file exceed this. */
  maxTotalBytes: number;
  fs?: StateFs;
  /** Where a failed rotation or segment removal is said. */
  logger: StateLogger;
}

interface Segment {
  path: string;
  firstSeq: number;
  bytes: number;
}

/**
 * The files behind the event log: an active JSON Lines file plus rotated segments named by their
 * first seq (`events.000000001234.jsonl`), with the total size capped by dropping the oldest.
 */
export class EventSegments {
  readonly #options: EventSegmentsOptions;
  readonly #dir: string;
  readonly #stem: string;
  readonly #ext: string;
  readonly #active: JsonLinesFile;
  #segments: Segment[];
  #segmentBytes: number;
  #activeBytes: number;
  #activeFirstSeq: number | undefined;
  #generation = 0;

  constructor(options: EventSegmentsOptions) {
    if (!(options.maxFileBytes > 0) || !(options.maxTotalBytes >= options.maxFileBytes)) {
      throw new RangeError("event log limits: need 0 < maxFileBytes <= maxTotalBytes");
    }
    this.#options = options;
    this.#dir = dirname(options.logPath);
    this.#ext = extname(options.logPath);
    this.#stem = basename(options.logPath, this.#ext);
    this.#active = new JsonLinesFile(options.logPath, { fs: options.fs });
    this.#segments = this.#listSegments();
    this.#segmentBytes = this.#segments.reduce((sum, segment) => sum + segment.bytes, 0);
    this.#activeBytes = sizeOf(options.logPath);
    this.#activeFirstSeq = readFirstSeq(options.logPath);
    this.#enforceCap();
  }

  /**
   * The highest seq on disk. The newest segment counts too: a crash right after a rotation
   * leaves the active file missing, empty or holding only a torn line.
   */
  recoverLastSeq(): number {
    const newest = this.#segments.at(-1);
    return Math.max(
      readLastSeq(this.#options.logPath) ?? 0,
      newest === undefined ? 0 : (readLastSeq(newest.path) ?? 0)
    );
  }

  /** Appends one serialized event line (ending in `\n`) whose seq is `seq`. */
  append(seq: number, line: string): void {
    // Rotating before the write, not after, keeps the newest event in the active file, so the
    // cap may drop any segment without losing the seq a restart recovers from.
    if (this.#activeBytes >= this.#options.maxFileBytes) this.#rotate(seq);
    this.#active.appendRaw(line);
    this.#activeBytes += Buffer.byteLength(line);
    this.#activeFirstSeq ??= seq;
    this.#enforceCap();
  }

  /** A snapshot for readers; files may vanish or be renamed under them, see `generation`. */
  files(): EventLogFiles {
    return {
      generation: this.#generation,
      files: [
        ...this.#segments.map(({ path, firstSeq }) => ({ path, firstSeq })),
        { path: this.#options.logPath, firstSeq: this.#activeFirstSeq }
      ]
    };
  }

  /** Bytes on disk: segments plus the active file. */
  get totalBytes(): number {
    return this.#segmentBytes + this.#activeBytes;
  }

  close(): void {
    this.#active.close();
  }

  #rotate(nextSeq: number): void {
    // A file with no readable line gets the next seq as its name: too high is safe, since it
    // only widens the range a reader scans in the segment before it.
    let firstSeq = this.#activeFirstSeq ?? nextSeq;
    if (existsSync(this.#segmentPath(firstSeq))) firstSeq = nextSeq;
    const path = this.#segmentPath(firstSeq);
    this.#active.close();
    try {
      renameSync(this.#options.logPath, path);
    } catch (error) {
      // Losing the event is worse than an oversized file; the next append tries again.
      this.#options.logger.warn(
        { file: this.#options.logPath, err: error },
        "event log rotation failed; the active file keeps growing"
      );
      return;
    }
    this.#segments.push({ path, firstSeq, bytes: this.#activeBytes });
    this.#segmentBytes += this.#activeBytes;
    this.#activeBytes = 0;
    this.#activeFirstSeq = undefined;
    this.#generation += 1;
  }

  #enforceCap(): void {
    while (this.totalBytes > this.#options.maxTotalBytes && this.#segments.length > 0) {
      const oldest = this.#segments.shift() as Segment;
      try {
        unlinkSync(oldest.path);
      } catch (error) {
        // ENOENT: removed by hand, it no longer takes space either way.
        if (errnoCode(error) !== "ENOENT")
          this.#options.logger.warn(
            { file: oldest.path, err: error },
            "could not delete an old event log segment"
          );
      }
      this.#segmentBytes -= oldest.bytes;
      this.#generation += 1;
    }
  }

  #segmentPath(firstSeq: number): string {
    return join(this.#dir, `${this.#stem}.${String(firstSeq).padStart(12, "0")}${this.#ext}`);
  }

  #listSegments(): Segment[] {
    let names: string[];
    try {
      names = readdirSync(this.#dir);
    } catch {
      return [];
    }
    const prefix = `${this.#stem}.`;
    const segments: Segment[] = [];
    for (const name of names) {
      if (!name.startsWith(prefix) || !name.endsWith(this.#ext)) continue;
      const digits = name.slice(prefix.length, name.length - this.#ext.length);
      if (!/^\d{12,}$/.test(digits)) continue;
      const path = join(this.#dir, name);
      segments.push({ path, firstSeq: Number(digits), bytes: sizeOf(path) });
    }
    return segments.sort((a, b) => a.firstSeq - b.firstSeq);
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
