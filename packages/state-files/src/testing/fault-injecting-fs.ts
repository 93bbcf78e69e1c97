import { nodeStateFs, type AppendTarget, type StateFs } from "../state-fs.js";

const ERRNO: Record<string, { errno: number; text: string }> = {
  ENOSPC: { errno: -28, text: "no space left on device" },
  EDQUOT: { errno: -122, text: "disk quota exceeded" },
  EIO: { errno: -5, text: "i/o error" },
  EROFS: { errno: -30, text: "read-only file system" }
};

/**
 * A StateFs that fails writes on demand, the way a full disk does: `failWrites("ENOSPC")` makes
 * every write of new bytes throw an errno error (optionally only for paths that `matches`),
 * `heal()` lets them through again. Renames, unlinks and reads keep working, as they do on a
 * full disk. For tests of what codexd does when its state cannot be saved.
 */
export class FaultInjectingFs implements StateFs {
  readonly #base: StateFs;
  #code: string | null = null;
  #matches: (path: string) => boolean = () => true;
  /** How many writes were refused so far. */
  refused = 0;

  constructor(base: StateFs = nodeStateFs) {
    this.#base = base;
  }

  failWrites(code = "ENOSPC", matches: (path: string) => boolean = () => true): void {
    this.#code = code;
    this.#matches = matches;
  }

  heal(): void {
    this.#code = null;
  }

  get failing(): boolean {
    return this.#code !== null;
  }

  mkdirSync(dir: string): void {
    this.#base.mkdirSync(dir);
  }

  async writeFile(path: string, text: string, options: { durable: boolean }): Promise<void> {
    this.#check("write", path);
    await this.#base.writeFile(path, text, options);
  }

  writeFileSync(path: string, text: string, options: { durable: boolean }): void {
    this.#check("write", path);
    this.#base.writeFileSync(path, text, options);
  }

  rename(from: string, to: string): Promise<void> {
    return this.#base.rename(from, to);
  }

  renameSync(from: string, to: string): void {
    this.#base.renameSync(from, to);
  }

  unlink(path: string): Promise<void> {
    return this.#base.unlink(path);
  }

  unlinkSync(path: string): void {
    this.#base.unlinkSync(path);
  }

  syncDirectory(dir: string): Promise<void> {
    return this.#base.syncDirectory(dir);
  }

  syncDirectorySync(dir: string): void {
    this.#base.syncDirectorySync(dir);
  }

  openAppend(path: string): AppendTarget {
    const target = this.#base.openAppend(path);
    return {
      write: (text) => {
        this.#check("write", path);
        target.write(text);
      },
      close: () => target.close()
    };
  }

  #check(syscall: string, path: string): void {
    if (this.#code === null || !this.#matches(path)) return;
    this.refused += 1;
    throw errnoError(this.#code, syscall, path);
  }
}

/** An Error shaped like the ones node:fs throws (`code`, `errno`, `syscall`, `path`). */
export function errnoError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const known = ERRNO[code];
  const error: NodeJS.ErrnoException = new Error(
    `${code}: ${known?.text ?? "injected failure"}, ${syscall} '${path}'`
  );
  error.code = code;
  error.errno = known?.errno ?? -1;
  error.syscall = syscall;
  error.path = path;
  return error;
}
