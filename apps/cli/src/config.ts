import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { CliError, ExitCode } from "./exit-codes.js";

const httpBase = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && url.search === "" && url.hash === "";
    } catch {
      return false;
    }
  },
  { message: "must be an http(s) URL without query or fragment" }
);

/** What every command needs: where the conductor is and how to authenticate. */
export const CliConfigSchema = z.strictObject({
  baseUrl: httpBase.default("http://127.0.0.1:4317"),
  token: z.string().min(1).optional(),
  tokenFile: z.string().min(1).optional(),
  stateDir: z.string().min(1).optional(),
  repoRoot: z.string().min(1).optional(),
  timeoutMs: z.number().int().positive().default(30_000),
  json: z.boolean().default(false)
});

export type CliConfig = Readonly<{
  baseUrl: string;
  /** The bearer token, when one was found; loopback callers need none. */
  token: string | undefined;
  /** Where the token came from (for messages; never the token itself). */
  tokenSource: "BAA_SHARED_TOKEN" | string | null;
  timeoutMs: number;
  json: boolean;
  /** The directory `baa` was run from: where `tasks add` points a task by default. */
  cwd: string;
}>;

// key -> [flag, env]; "" means no flag (the token never travels on a command line).
const SOURCES: Record<string, readonly [string, string]> = {
  baseUrl: ["base-url", "BAA_CONDUCTOR_URL"],
  token: ["", "BAA_SHARED_TOKEN"],
  tokenFile: ["token-file", ""],
  stateDir: ["state-dir", "BAA_STATE_DIR"],
  repoRoot: ["repo-root", "BAA_REPO_ROOT"],
  timeoutMs: ["timeout-ms", ""],
  json: ["json", ""]
};

/** Flags every command accepts (util.parseArgs option table). */
export const GLOBAL_FLAGS = {
  "base-url": { type: "string" },
  "token-file": { type: "string" },
  "state-dir": { type: "string" },
  "repo-root": { type: "string" },
  "timeout-ms": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" }
} as const;

/**
 * Flags (parsed), then env, then defaults. The token: BAA_SHARED_TOKEN, else the file named by
 * --token-file, else the conductor's `<state dir>/shared-token` when it exists.
 * @throws CliError (usage) listing every bad key
 */
export function resolveCliConfig(options: {
  flags: Readonly<Record<string, unknown>>;
  env: Readonly<Record<string, string | undefined>>;
  readFile?: (path: string) => string;
  /** The directory `baa` runs in (main.ts passes process.cwd(); tests pass their own). */
  cwd?: string;
}): CliConfig {
  const cwd = options.cwd ?? process.cwd();
  const input: Record<string, unknown> = {};
  for (const [key, [flag, envName]] of Object.entries(SOURCES)) {
    const fromFlag = flag === "" ? undefined : options.flags[flag];
    const fromEnv = envName === "" ? undefined : options.env[envName];
    const value = fromFlag ?? (fromEnv === "" ? undefined : fromEnv);
    if (value === undefined) continue;
    input[key] = key === "timeoutMs" && typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  }
  const parsed = CliConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? "");
      const [flag, envName] = SOURCES[key] ?? ["", ""];
      const where = [flag && `--${flag}`, envName].filter(Boolean).join(" / ");
      return `${key}${where ? ` (${where})` : ""}: ${issue.message}`;
    });
    throw new CliError(ExitCode.usage, `invalid configuration: ${problems.join("; ")}`);
  }
  const raw = parsed.data;
  const read = options.readFile ?? ((path: string) => readFileSync(path, "utf8"));
  let token = raw.token;
  let tokenSource: string | null = token === undefined ? null : "BAA_SHARED_TOKEN";
  if (token === undefined) {
    const explicit = raw.tokenFile !== undefined;
    const file = raw.tokenFile ?? join(resolve(cwd, raw.repoRoot ?? ".", raw.stateDir ?? "state/conductor"), "shared-token");
    try {
      token = read(file).trim() || undefined;
      tokenSource = token === undefined ? null : file;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // No state file is normal on another machine or before the conductor's first start.
      if (explicit || code !== "ENOENT") {
        throw new CliError(ExitCode.usage, `cannot read the token file ${file}: ${code ?? (error as Error).message}`);
      }
    }
  }
  return Object.freeze({ baseUrl: raw.baseUrl.replace(/\/+$/, ""), token, tokenSource, timeoutMs: raw.timeoutMs, json: raw.json, cwd });
}
