import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import {
  describeIssues,
  flagSpecs,
  httpBase,
  readSources,
  type FlagSpec,
  type SourceTable
} from "@baa/config-sources";
import { CliError, ExitCode } from "./exit-codes.js";

/** What every command needs: where the conductor is and how to authenticate. */
export const CliConfigSchema = z.strictObject({
  baseUrl: httpBase("baseUrl").default("http://127.0.0.1:4317"),
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

// key -> [flag, env, kind, help]; "" means none (the token never travels on a command line).
// `baa help` lists these rows; docs/runtime/cli.md says the same.
export const CLI_SOURCES: SourceTable = {
  baseUrl: ["base-url", "BAA_CONDUCTOR_URL", "string", "the conductor (default http://127.0.0.1:4317)"],
  token: ["", "BAA_SHARED_TOKEN"],
  tokenFile: ["token-file", "", "string", "if BAA_SHARED_TOKEN is unset (default <state dir>/shared-token)"],
  stateDir: ["state-dir", "BAA_STATE_DIR", "string", "the conductor's (default <repo root>/state/conductor)"],
  repoRoot: ["repo-root", "BAA_REPO_ROOT", "string", "base of the default state dir (default: here)"],
  timeoutMs: ["timeout-ms", "", "number", "bound on each request (default 30000)"],
  json: ["json", "", "switch", "machine-readable output"]
};

/** Flags every command accepts (parseFlags' option table): the table's, and -h/--help. */
export const GLOBAL_FLAGS: Readonly<Record<string, FlagSpec>> = {
  ...flagSpecs(CLI_SOURCES),
  help: { type: "boolean", short: "h" }
};

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
  const { input } = readSources(CLI_SOURCES, { flags: options.flags, env: options.env });
  const parsed = CliConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = describeIssues(CLI_SOURCES, parsed.error.issues);
    throw new CliError(ExitCode.usage, `invalid configuration: ${problems.join("; ")}`);
  }
  const raw = parsed.data;
  const read = options.readFile ?? ((path: string) => readFileSync(path, "utf8"));
  let token = raw.token;
  let tokenSource: string | null = token === undefined ? null : "BAA_SHARED_TOKEN";
  if (token === undefined) {
    const explicit = raw.tokenFile !== undefined;
    const file =
      raw.tokenFile ??
      join(resolve(cwd, raw.repoRoot ?? ".", raw.stateDir ?? "state/conductor"), "shared-token");
    try {
      token = read(file).trim() || undefined;
      tokenSource = token === undefined ? null : file;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // No state file is normal on another machine or before the conductor's first start.
      if (explicit || code !== "ENOENT") {
        throw new CliError(
          ExitCode.usage,
          `cannot read the token file ${file}: ${code ?? (error as Error).message}`
        );
      }
    }
  }
  return Object.freeze({
    baseUrl: raw.baseUrl.replace(/\/+$/, ""),
    token,
    tokenSource,
    timeoutMs: raw.timeoutMs,
    json: raw.json,
    cwd
  });
}
