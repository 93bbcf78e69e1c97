import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type TokenSource = "config" | "generated";

export interface SharedToken {
  token: string;
  source: TokenSource;
  /** Where a generated token lives; absent when it comes from the configuration. */
  tokenFile?: string;
  /** True when this call created the file. */
  created: boolean;
  /** True when the file was readable by others and was reset to 0600. */
  permissionsFixed: boolean;
}

export const SHARED_TOKEN_FILE = "shared-token";

export function sharedTokenPath(stateDir: string): string {
  return join(stateDir, SHARED_TOKEN_FILE);
}

/**
 * Returns the configured token, or the one stored in `<stateDir>/shared-token`, creating it
 * (32 random bytes, hex, mode 0600) on first use.
 */
export function ensureSharedToken(options: {
  configured?: string | undefined;
  stateDir: string;
  generate?: () => string;
}): SharedToken {
  if (options.configured !== undefined) {
    return { token: options.configured, source: "config", created: false, permissionsFixed: false };
  }
  const path = sharedTokenPath(options.stateDir);
  const existing = readTokenFile(path);
  if (existing !== undefined) return existing;

  mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  const token = (options.generate ?? (() => randomBytes(32).toString("hex")))();
  // Write a private temp file, then link it into place: link(2) fails if the name exists, so
  // two starts racing never overwrite each other's token and a reader never sees half a file.
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, `${token}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const winner = readTokenFile(path);
    if (winner === undefined) throw error;
    return winner;
  } finally {
    unlinkSync(temp);
  }
  return { token, source: "generated", tokenFile: path, created: true, permissionsFixed: false };
}

function readTokenFile(path: string): SharedToken | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const token = text.trim();
  if (token === "") throw new Error(`shared token file ${path} is empty; delete it to generate a new token`);
  let permissionsFixed = false;
  if ((statSync(path).mode & 0o077) !== 0) {
    chmodSync(path, 0o600);
    permissionsFixed = true;
  }
  return { token, source: "generated", tokenFile: path, created: false, permissionsFixed };
}
