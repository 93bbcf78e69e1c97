import {
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync
} from "node:fs";
import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";

/** An open append-only file: each `write` puts the whole text at the end, or throws. */
export interface AppendTarget {
  write(text: string): void;
  close(): void;
}

/**
 * The file operations the state files make, and nothing else: the seam where tests put a
 * file system that fails (`FaultInjectingFs`). `nodeStateFs` is the real one.
 */
export interface StateFs {
  mkdirSync(dir: string): void;
  /** Creates `path` holding exactly `text`; `durable` fsyncs it before returning. */
  writeFile(path: string, text: string, options: { durable: boolean }): Promise<void>;
  writeFileSync(path: string, text: string, options: { durable: boolean }): void;
  rename(from: string, to: string): Promise<void>;
  renameSync(from: string, to: string): void;
  unlink(path: string): Promise<void>;
  unlinkSync(path: string): void;
  /** Best effort: some filesystems refuse fsync on a directory; the rename is atomic anyway. */
  syncDirectory(dir: string): Promise<void>;
  syncDirectorySync(dir: string): void;
  /** Opens `path` for appending (creating it and its directory); ends a torn last line first. */
  openAppend(path: string): AppendTarget;
}

export const nodeStateFs: StateFs = {
  mkdirSync: (dir) => {
    mkdirSync(dir, { recursive: true });
  },
  async writeFile(path, text, { durable }) {
    const handle = await open(path, "w", 0o644);
    try {
      await handle.writeFile(text);
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
  },
  writeFileSync(path, text, { durable }) {
    const fd = openSync(path, "w", 0o644);
    try {
      writeAll(fd, Buffer.from(text));
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
  rename,
  renameSync,
  unlink,
  unlinkSync,
  async syncDirectory(dir) {
    let handle: FileHandle | undefined;
    try {
      handle = await open(dir, "r");
      await handle.sync();
    } catch (error) {
      if (!isDirectorySyncRefusal(error)) throw error;
    } finally {
      await handle?.close();
    }
  },
  syncDirectorySync(dir) {
    let fd: number | undefined;
    try {
      fd = openSync(dir, "r");
      fsyncSync(fd);
    } catch (error) {
      if (!isDirectorySyncRefusal(error)) throw error;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  },
  openAppend(path) {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, "a+", 0o644);
    terminateTornLine(fd);
    return {
      write: (text) => {
        // Usually one write(2) takes it all; only a short write pays for a Buffer copy (a
        // multi-MiB event line would otherwise leave a copy behind until the next GC).
        const written = writeSync(fd, text);
        const total = Buffer.byteLength(text);
        if (written < total) writeAll(fd, Buffer.from(text).subarray(written));
      },
      close: () => closeSync(fd)
    };
  }
};

// write(2) may write less than asked (a disk filling up does that); loop until all is written.
function writeAll(fd: number, buffer: Buffer): void {
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

// EINVAL/EISDIR/EPERM/EBADF: the filesystem does not fsync directories (tmpfs and some network
// mounts); nothing was lost, the rename already happened.
function isDirectorySyncRefusal(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "EINVAL" || code === "EISDIR" || code === "EPERM" || code === "EBADF" || code === "ENOTSUP";
}

// A crash (or a full disk) in the middle of a line leaves it unterminated; end it so the next
// record starts on a line of its own (readers skip the one torn line).
function terminateTornLine(fd: number): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] !== 0x0a) writeSync(fd, "\n");
}
