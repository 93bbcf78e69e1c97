import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import { nodeStateFs, type StateFs } from "./state-fs.js";

/**
 * Writes JSON so that a reader (or a restart after kill -9) sees either the old or the new
 * file, never a torn one: temp file in the same directory, fsync, rename, fsync the directory.
 */
export function writeJsonAtomic(path: string, value: unknown, options: JsonWriteOptions = {}): void {
  const durable = options.durable ?? true;
  const fs = options.fs ?? nodeStateFs;
  const dir = dirname(path);
  fs.mkdirSync(dir);
  syncTempCounter += 1;
  const temp = join(dir, `.${basename(path)}.${process.pid}.${syncTempCounter}.tmp`);
  const text = jsonText(value, options.pretty ?? true);
  try {
    fs.writeFileSync(temp, text, { durable });
    fs.renameSync(temp, path);
  } catch (error) {
    try {
      fs.unlinkSync(temp);
    } catch (cleanup) {
      // ENOENT: the temp file was never created; anything else is removed at the next start.
      if ((cleanup as NodeJS.ErrnoException).code !== "ENOENT")
        (error as { tempLeft?: string }).tempLeft = temp;
    }
    throw error;
  }
  if (durable) fs.syncDirectorySync(dir);
}

let syncTempCounter = 0;

/**
 * `durable`: fsync the data and the directory, so the write survives a power loss too (a
 * killed process never tears the file either way: the rename is atomic). `pretty`: indented,
 * for files people read; compact is several times cheaper to produce.
 */
export interface JsonWriteOptions {
  durable?: boolean;
  pretty?: boolean;
  /** The file system to write through (tests inject a failing one). */
  fs?: StateFs;
}

export function jsonText(value: unknown, pretty: boolean): string {
  return `${pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value)}\n`;
}

/**
 * Reads a JSON file; a missing file gives `fallback`. An unparseable one (atomic writes never
 * leave one, so someone edited it) throws a StateFileError naming the file.
 */
export function readJsonFile<T>(path: string, fallback: T): T {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return fallback;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new StateFileError(
      path,
      `is not valid JSON (${(error as Error).message}); fix it or move it aside`
    );
  }
}

/** A state file that exists but cannot be used; the message names the file and what to do. */
export class StateFileError extends Error {
  constructor(
    readonly path: string,
    problem: string
  ) {
    super(`state file ${path} ${problem}`);
    this.name = "StateFileError";
  }
}

export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Removes temp files that a killed writer left in `dir` (call at start, before any writer runs). */
export function removeStaleTempFiles(dir: string): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(".") || !name.endsWith(".tmp")) continue;
    try {
      unlinkSync(join(dir, name));
      removed += 1;
    } catch {
      // gone already
    }
  }
  return removed;
}
