import { join, resolve } from "node:path";
import { z } from "zod";
import {
  checkedBy,
  describeIssues,
  describeSource,
  httpBase,
  InvalidConfigError,
  normalizeOrFail,
  readSources,
  type SourceTable
} from "@baa/config-sources";
import { parseAllowedHost, parseAllowedOrigin, tokenProblem } from "@baa/http-guard";
import { parseCidr } from "@baa/net-trust";

const listenBase = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === "http:" && (url.pathname === "/" || url.pathname === "") && url.search === "";
    } catch {
      return false;
    }
  },
  { message: "localApiBase must be http://HOST:PORT with no path (port 0 picks a free port)" }
);

const positiveInt = z.number().int().positive();

/** status-api's configuration; partial objects are completed with the defaults below. */
export const StatusApiConfigSchema = z
  .strictObject({
    nodeId: z.string().trim().min(1).default("mini-main"),
    host: z.string().trim().min(1).default("mini"),
    localApiBase: listenBase.default("http://127.0.0.1:4318"),
    conductorBase: httpBase("conductorBase").default("http://127.0.0.1:4317"),
    codexdBase: httpBase("codexdBase").default("http://127.0.0.1:4319"),
    sharedToken: z.string().min(1).optional(),
    /** Peers in these networks need no token (loopback never does, unless trustLoopback is false). */
    trustedCidrs: z.array(checkedBy(parseCidr, "not a CIDR (e.g. 100.64.0.0/10)")).default([]),
    /** Extra names a request's Host may carry without the token (DNS-rebinding guard). */
    allowedHosts: z
      .array(checkedBy(parseAllowedHost, "not a host name or host:port (e.g. mini.tailnet.ts.net)"))
      .default([]),
    /** Origins whose web pages may call status-api (with CORS answers); its own page needs none. */
    allowedOrigins: z
      .array(checkedBy(parseAllowedOrigin, "not an origin (e.g. https://dash.example, no path)"))
      .default([]),
    trustLoopback: z.boolean().default(true),
    repoRoot: z
      .string()
      .min(1)
      .default(() => process.cwd()),
    conductorStateDir: z.string().min(1).optional(),
    sourceTimeoutMs: positiveInt.default(2_000),
    actionTimeoutMs: positiveInt.default(10_000),
    refreshMs: positiveInt.default(1_000),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info")
  })
  .transform((raw) => {
    const repoRoot = resolve(raw.repoRoot);
    const conductorStateDir = resolve(repoRoot, raw.conductorStateDir ?? "state/conductor");
    return {
      ...raw,
      repoRoot,
      conductorStateDir,
      // Services listening on every interface are still reached over loopback from here.
      conductorBase: reachable(raw.conductorBase),
      codexdBase: reachable(raw.codexdBase),
      conductorTokenFile: join(conductorStateDir, "shared-token")
    };
  });

export type StatusApiConfigInput = z.input<typeof StatusApiConfigSchema>;
type StatusApiConfigShape = z.output<typeof StatusApiConfigSchema>;
export type StatusApiConfig = Readonly<
  Omit<StatusApiConfigShape, "trustedCidrs" | "allowedHosts" | "allowedOrigins"> & {
    trustedCidrs: readonly string[];
    allowedHosts: readonly string[];
    allowedOrigins: readonly string[];
  }
>;

/** Thrown once with every bad key of a configuration. */
export class StatusApiConfigError extends InvalidConfigError {
  constructor(problems: readonly string[]) {
    super("status-api", problems);
    this.name = "StatusApiConfigError";
  }
}

// key -> [flag, env, kind]; "" means env-only. The conductor and codexd addresses are the same
// variables those services listen on, so one environment configures the whole node.
export const STATUS_API_SOURCES: SourceTable = {
  nodeId: ["node-id", "BAA_NODE_ID"],
  host: ["host", "BAA_NODE_HOST"],
  localApiBase: ["local-api-base", "BAA_STATUS_API_LOCAL_API"],
  conductorBase: ["conductor-local-api", "BAA_CONDUCTOR_LOCAL_API"],
  codexdBase: ["codexd-local-api-base", "BAA_CODEXD_LOCAL_API_BASE"],
  sharedToken: ["", "BAA_SHARED_TOKEN"],
  trustedCidrs: ["trusted-cidrs", "BAA_TRUSTED_CIDRS", "list"],
  allowedHosts: ["allowed-hosts", "BAA_ALLOWED_HOSTS", "list"],
  allowedOrigins: ["allowed-origins", "BAA_ALLOWED_ORIGINS", "list"],
  trustLoopback: ["trust-loopback", "BAA_TRUST_LOOPBACK", "boolean"],
  repoRoot: ["repo-root", "BAA_REPO_ROOT"],
  conductorStateDir: ["conductor-state-dir", "BAA_STATE_DIR"],
  sourceTimeoutMs: ["source-timeout-ms", "BAA_STATUS_API_SOURCE_TIMEOUT_MS", "number"],
  actionTimeoutMs: ["action-timeout-ms", "BAA_STATUS_API_ACTION_TIMEOUT_MS", "number"],
  refreshMs: ["refresh-ms", "BAA_STATUS_API_REFRESH_MS", "number"],
  logLevel: ["log-level", "BAA_STATUS_API_LOG_LEVEL"]
};

/**
 * Validates a (partial) config object and fills the defaults; returns a frozen config.
 * @throws StatusApiConfigError listing every bad key
 */
export function normalizeStatusApiConfig(
  input: StatusApiConfigInput | StatusApiConfig = {}
): StatusApiConfig {
  // A normalized config may come back in; its derived key is not an input.
  const { conductorTokenFile: _file, ...rest } = input as StatusApiConfigInput & {
    conductorTokenFile?: unknown;
  };
  const result = StatusApiConfigSchema.safeParse(rest);
  if (!result.success) {
    throw new StatusApiConfigError(describeIssues(STATUS_API_SOURCES, result.error.issues));
  }
  const config = result.data;
  return Object.freeze({
    ...config,
    trustedCidrs: Object.freeze([...config.trustedCidrs]),
    allowedHosts: Object.freeze([...config.allowedHosts]),
    allowedOrigins: Object.freeze([...config.allowedOrigins])
  });
}

/**
 * Merges flags (highest), then env, then defaults. `argv` holds flags only. Only this function
 * interprets the environment; an empty value counts as unset.
 * @example resolveStatusApiConfig({ argv: ["--refresh-ms", "500"], env: process.env })
 */
export function resolveStatusApiConfig(options: {
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
}): StatusApiConfig {
  const { input, problems } = readSources(STATUS_API_SOURCES, options);

  // As the conductor does: a token from the environment must be long enough to be accepted.
  const shortToken = typeof input.sharedToken === "string" ? tokenProblem(input.sharedToken) : undefined;
  if (shortToken !== undefined)
    problems.push(`sharedToken${describeSource(STATUS_API_SOURCES, "sharedToken")}: ${shortToken}`);

  return normalizeOrFail(
    problems,
    () => normalizeStatusApiConfig(input as StatusApiConfigInput),
    (all) => new StatusApiConfigError(all)
  );
}

function reachable(base: string): string {
  const url = new URL(base);
  if (url.hostname === "0.0.0.0") url.hostname = "127.0.0.1";
  else if (url.hostname === "[::]") url.hostname = "[::1]";
  return url.toString().replace(/\/$/, "");
}
