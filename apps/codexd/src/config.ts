import { isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import {
  checkedBy,
  describeIssues,
  flagSpecs,
  InvalidConfigError,
  normalizeOrFail,
  parseFlags,
  readSources,
  type FlagSpec,
  type SourceKind,
  type SourceTable
} from "@baa/config-sources";
import { isLoopbackHost } from "@baa/net-trust";
import { parseAllowedHost, parseAllowedOrigin } from "@baa/http-guard";

/** Flat inputs, named like the CLI flags; programmatic callers (and the seed test) pass these. */
export interface CodexdConfigInput {
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  repoRoot?: string;
  logsDir?: string;
  stateDir?: string;
  localApiBase?: string;
  eventStreamPath?: string;
  allowedHosts?: readonly string[];
  allowedOrigins?: readonly string[];
  serverEndpoint?: string;
  serverStrategy?: string;
  serverCommand?: string;
  serverCwd?: string;
  serverArgs?: readonly string[];
  nodeId?: string;
  version?: string;
  demo?: boolean;
  logLevel?: string;
  bodyLimitBytes?: number;
  recentEventsLimit?: number;
  requestTimeoutMs?: number;
  restartBaseDelayMs?: number;
  restartMaxDelayMs?: number;
  crashLoopLimit?: number;
  crashLoopWindowMs?: number;
  approvalTimeoutMs?: number;
  maxActiveTurns?: number;
  maxSessions?: number;
  maxClosedSessions?: number;
  eventLogMaxFileBytes?: number;
  eventLogMaxTotalBytes?: number;
  streamMaxBufferedBytes?: number;
  recentEventsMaxBytes?: number;
  eventTextMaxBytes?: number;
  sessionEventsMaxBytes?: number;
  sessionCacheMaxBytes?: number;
  sessionRegistryMaxBytes?: number;
  approvalsMaxBytes?: number;
  childMaxRssMb?: number;
  childWatchdogIntervalMs?: number;
}

const DEFAULT_LOCAL_API_BASE = "http://127.0.0.1:4319";
export const CODEXD_VERSION = "0.1.0";

const positiveInt = z.coerce.number().int().positive();

const schema = z.object({
  nodeId: z.string().min(1),
  version: z.string().min(1),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
  demo: z.boolean(),
  paths: z.object({
    repoRoot: z.string().min(1),
    logsRootDir: z.string().min(1),
    stateRootDir: z.string().min(1)
  }),
  service: z.object({
    localApiBase: z
      .string()
      .url()
      .refine((value) => isLoopbackHost(urlOrNull(value)?.hostname ?? "localhost"), {
        message:
          "must name a loopback host (127.0.0.1, ::1 or localhost): codexd never listens beyond this machine"
      })
      .refine((value) => (urlOrNull(value)?.protocol ?? "http:") === "http:", {
        message: "must be an http:// URL"
      }),
    eventStreamPath: z.string().startsWith("/"),
    /** Extra names a request's Host may carry (DNS-rebinding guard); see docs/security.md. */
    allowedHosts: z.array(
      checkedBy(parseAllowedHost, "not a host name or host:port (e.g. mini.tailnet.ts.net)")
    ),
    /** Origins whose web pages may call codexd (with CORS answers). */
    allowedOrigins: z.array(
      checkedBy(parseAllowedOrigin, "not an origin (e.g. https://dash.example, no path)")
    )
  }),
  server: z.object({
    mode: z.literal("app-server"),
    endpoint: z.string().min(1),
    childStrategy: z.literal("spawn"),
    childCommand: z.string().min(1),
    childArgs: z.array(z.string()),
    childCwd: z.string().min(1)
  }),
  restart: z.object({
    baseDelayMs: positiveInt,
    maxDelayMs: positiveInt,
    crashLoopLimit: positiveInt,
    windowMs: positiveInt
  }),
  /** The child's memory watchdog: off while maxRssMb is 0 (docs/runtime/codexd.md). */
  watchdog: z.object({
    maxRssMb: z.coerce.number().int().min(0),
    intervalMs: positiveInt
  }),
  limits: z
    .object({
      bodyLimitBytes: positiveInt,
      recentEventsLimit: positiveInt,
      requestTimeoutMs: positiveInt,
      approvalTimeoutMs: positiveInt,
      maxActiveTurns: positiveInt,
      maxSessions: positiveInt,
      maxClosedSessions: positiveInt,
      eventLogMaxFileBytes: positiveInt,
      eventLogMaxTotalBytes: positiveInt,
      streamMaxBufferedBytes: positiveInt,
      /** Byte budgets (with the counts above): see docs/runtime/codexd.md, "Bounded by bytes". */
      recentEventsMaxBytes: positiveInt,
      eventTextMaxBytes: positiveInt,
      sessionEventsMaxBytes: positiveInt,
      sessionCacheMaxBytes: positiveInt,
      sessionRegistryMaxBytes: positiveInt,
      approvalsMaxBytes: positiveInt
    })
    .refine((limits) => limits.eventLogMaxFileBytes <= limits.eventLogMaxTotalBytes, {
      message: "the event log's file size limit must not exceed its total size limit",
      path: ["eventLogMaxFileBytes"]
    })
});

export type CodexdConfig = Readonly<
  z.infer<typeof schema> & {
    paths: z.infer<typeof schema>["paths"] & {
      daemonStatePath: string;
      identityPath: string;
      sessionRegistryPath: string;
      recentEventsPath: string;
      runRegistryPath: string;
      approvalsPath: string;
      structuredEventLogPath: string;
      stdoutLogPath: string;
      stderrLogPath: string;
      demoCodexHome: string;
    };
  }
>;

/**
 * Every setting's sources, in one table: key (a `CodexdConfigInput` field) -> [flag, env var,
 * kind, config path]. "" means no flag (env only). An explicit input field beats the flag, the
 * flag beats the env var, the env var beats the default; an empty env value means unset.
 * `repoRoot` falls back to `BAA_REPO_ROOT` (`sharedRepoRoot`). Every flag and env var is in
 * docs/runtime/.
 */
type SettingRow = readonly [flag: string, env: string, kind: SourceKind, configPath: string];

const SETTINGS = {
  repoRoot: ["repo-root", "BAA_CODEXD_REPO_ROOT", "string", "paths.repoRoot"],
  sharedRepoRoot: ["", "BAA_REPO_ROOT", "string", ""],
  logsDir: ["logs-dir", "BAA_CODEXD_LOGS_DIR", "string", "paths.logsRootDir"],
  stateDir: ["state-dir", "BAA_CODEXD_STATE_DIR", "string", "paths.stateRootDir"],
  localApiBase: ["local-api-base", "BAA_CODEXD_LOCAL_API_BASE", "string", "service.localApiBase"],
  eventStreamPath: ["event-stream-path", "BAA_CODEXD_EVENT_STREAM_PATH", "string", "service.eventStreamPath"],
  allowedHosts: ["allowed-hosts", "BAA_ALLOWED_HOSTS", "list", "service.allowedHosts"],
  allowedOrigins: ["allowed-origins", "BAA_ALLOWED_ORIGINS", "list", "service.allowedOrigins"],
  serverEndpoint: ["server-endpoint", "BAA_CODEXD_SERVER_ENDPOINT", "string", "server.endpoint"],
  serverStrategy: ["server-strategy", "BAA_CODEXD_SERVER_STRATEGY", "string", "server.childStrategy"],
  serverCommand: ["server-command", "BAA_CODEXD_SERVER_COMMAND", "string", "server.childCommand"],
  serverCwd: ["server-cwd", "BAA_CODEXD_SERVER_CWD", "string", "server.childCwd"],
  serverArgs: ["server-arg", "BAA_CODEXD_SERVER_ARGS", "repeated", "server.childArgs"],
  nodeId: ["node-id", "BAA_NODE_ID", "string", "nodeId"],
  demo: ["demo", "BAA_CODEXD_DEMO", "switch", "demo"],
  logLevel: ["log-level", "BAA_CODEXD_LOG_LEVEL", "string", "logLevel"],
  bodyLimitBytes: ["", "BAA_CODEXD_BODY_LIMIT_BYTES", "number", "limits.bodyLimitBytes"],
  recentEventsLimit: ["", "BAA_CODEXD_RECENT_EVENTS_LIMIT", "number", "limits.recentEventsLimit"],
  requestTimeoutMs: ["", "BAA_CODEXD_REQUEST_TIMEOUT_MS", "number", "limits.requestTimeoutMs"],
  approvalTimeoutMs: ["", "BAA_CODEXD_APPROVAL_TIMEOUT_MS", "number", "limits.approvalTimeoutMs"],
  maxActiveTurns: ["", "BAA_CODEXD_MAX_ACTIVE_TURNS", "number", "limits.maxActiveTurns"],
  maxSessions: ["", "BAA_CODEXD_MAX_SESSIONS", "number", "limits.maxSessions"],
  maxClosedSessions: ["", "BAA_CODEXD_MAX_CLOSED_SESSIONS", "number", "limits.maxClosedSessions"],
  eventLogMaxFileBytes: ["", "BAA_CODEXD_EVENT_LOG_MAX_FILE_BYTES", "number", "limits.eventLogMaxFileBytes"],
  eventLogMaxTotalBytes: [
    "",
    "BAA_CODEXD_EVENT_LOG_MAX_TOTAL_BYTES",
    "number",
    "limits.eventLogMaxTotalBytes"
  ],
  streamMaxBufferedBytes: [
    "",
    "BAA_CODEXD_STREAM_MAX_BUFFERED_BYTES",
    "number",
    "limits.streamMaxBufferedBytes"
  ],
  recentEventsMaxBytes: ["", "BAA_CODEXD_RECENT_EVENTS_MAX_BYTES", "number", "limits.recentEventsMaxBytes"],
  eventTextMaxBytes: ["", "BAA_CODEXD_EVENT_TEXT_MAX_BYTES", "number", "limits.eventTextMaxBytes"],
  sessionEventsMaxBytes: [
    "",
    "BAA_CODEXD_SESSION_EVENTS_MAX_BYTES",
    "number",
    "limits.sessionEventsMaxBytes"
  ],
  sessionCacheMaxBytes: ["", "BAA_CODEXD_SESSION_CACHE_MAX_BYTES", "number", "limits.sessionCacheMaxBytes"],
  sessionRegistryMaxBytes: [
    "",
    "BAA_CODEXD_SESSION_REGISTRY_MAX_BYTES",
    "number",
    "limits.sessionRegistryMaxBytes"
  ],
  approvalsMaxBytes: ["", "BAA_CODEXD_APPROVALS_MAX_BYTES", "number", "limits.approvalsMaxBytes"],
  restartBaseDelayMs: ["", "BAA_CODEXD_RESTART_BASE_MS", "number", "restart.baseDelayMs"],
  restartMaxDelayMs: ["", "BAA_CODEXD_RESTART_MAX_MS", "number", "restart.maxDelayMs"],
  crashLoopLimit: ["", "BAA_CODEXD_CRASH_LOOP_LIMIT", "number", "restart.crashLoopLimit"],
  crashLoopWindowMs: ["", "BAA_CODEXD_CRASH_LOOP_WINDOW_MS", "number", "restart.windowMs"],
  childMaxRssMb: ["", "BAA_CODEXD_CHILD_MAX_RSS_MB", "number", "watchdog.maxRssMb"],
  childWatchdogIntervalMs: ["", "BAA_CODEXD_CHILD_WATCHDOG_INTERVAL_MS", "number", "watchdog.intervalMs"]
} as const satisfies Partial<Record<keyof CodexdConfigInput | "sharedRepoRoot", SettingRow>>;

/** The table's sources by input key: what `--help` lists and the flags `argv` may hold. */
export const CODEXD_SOURCES: SourceTable = Object.fromEntries(
  Object.entries(SETTINGS).map(([key, [flag, env, kind]]) => [key, [flag, env, kind]])
);

// The same sources by config path, to name a key the schema refused the way a user set it.
const SOURCES_BY_PATH: SourceTable = Object.fromEntries(
  Object.values(SETTINGS)
    .filter(([, , , path]) => path !== "")
    .map(([flag, env, kind, path]) => [path, [flag, env, kind]])
);

/** `codexd status --json`: a command option, not a setting. */
const COMMAND_FLAGS = { json: { type: "boolean" } } as const;

const PARSE_OPTIONS: Record<string, FlagSpec> = { ...flagSpecs(CODEXD_SOURCES), ...COMMAND_FLAGS };

export class ConfigError extends InvalidConfigError {
  constructor(problems: readonly string[]) {
    super("codexd", problems);
    this.name = "ConfigError";
  }
}

/** Splits argv (after the subcommand) into the table's flags; unknown flags are a ConfigError. */
export function parseCodexdFlags(argv: readonly string[]): {
  values: CodexdConfigInput;
  json: boolean;
  positionals: string[];
} {
  const parsed = parseFlags(argv, PARSE_OPTIONS, { positionals: true });
  if (parsed.problems.length > 0) throw new ConfigError(parsed.problems);
  const { input } = readSources(CODEXD_SOURCES, { flags: parsed.values });
  const json = parsed.values.json === true;
  return { values: input as CodexdConfigInput, json, positionals: parsed.positionals };
}

// Refinements run even when .url() failed; a bad URL is reported once, by .url().
function urlOrNull(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/**
 * Resolves codexd's configuration once, through the table of sources above: explicit fields,
 * then flags in `argv`, then `env`, then defaults. Returns a frozen object; every bad key is
 * reported in one ConfigError, named with its flag and env var.
 */
export function resolveCodexdConfig(input: CodexdConfigInput = {}): CodexdConfig {
  const parsed = parseFlags(input.argv ?? [], PARSE_OPTIONS);
  const env = input.env ?? process.env;
  const reading = readSources(CODEXD_SOURCES, { input: { ...input }, flags: parsed.values, env });
  const v = reading.input as Partial<Record<keyof typeof SETTINGS, unknown>>;
  const repoRoot = resolve(String(v.repoRoot ?? v.sharedRepoRoot ?? process.cwd()));
  const under = (value: unknown, fallback: string) =>
    value === undefined
      ? fallback
      : isAbsolute(String(value))
        ? String(value)
        : resolve(repoRoot, String(value));
  const list = (value: unknown, fallback: readonly string[]) =>
    Array.isArray(value) ? [...value] : (value ?? [...fallback]);

  const candidate = {
    nodeId: v.nodeId ?? "mini-main",
    version: input.version ?? CODEXD_VERSION,
    logLevel: v.logLevel ?? "info",
    demo: v.demo ?? false,
    paths: {
      repoRoot,
      logsRootDir: under(v.logsDir, join(repoRoot, "logs", "codexd")),
      stateRootDir: under(v.stateDir, join(repoRoot, "state", "codexd"))
    },
    service: {
      localApiBase: v.localApiBase ?? DEFAULT_LOCAL_API_BASE,
      eventStreamPath: v.eventStreamPath ?? "/v1/codexd/events",
      allowedHosts: list(v.allowedHosts, []),
      allowedOrigins: list(v.allowedOrigins, [])
    },
    server: {
      mode: "app-server",
      endpoint: v.serverEndpoint ?? "stdio://codex-app-server",
      childStrategy: v.serverStrategy ?? "spawn",
      childCommand: v.serverCommand ?? "codex",
      childArgs: list(v.serverArgs, ["app-server"]),
      childCwd: under(v.serverCwd, repoRoot)
    },
    restart: {
      baseDelayMs: v.restartBaseDelayMs ?? 500,
      maxDelayMs: v.restartMaxDelayMs ?? 30_000,
      crashLoopLimit: v.crashLoopLimit ?? 5,
      windowMs: v.crashLoopWindowMs ?? 60_000
    },
    watchdog: {
      maxRssMb: v.childMaxRssMb ?? 0,
      intervalMs: v.childWatchdogIntervalMs ?? 15_000
    },
    limits: {
      bodyLimitBytes: v.bodyLimitBytes ?? 1024 * 1024,
      recentEventsLimit: v.recentEventsLimit ?? 200,
      requestTimeoutMs: v.requestTimeoutMs ?? 30_000,
      approvalTimeoutMs: v.approvalTimeoutMs ?? 600_000,
      maxActiveTurns: v.maxActiveTurns ?? 32,
      maxSessions: v.maxSessions ?? 1000,
      maxClosedSessions: v.maxClosedSessions ?? 500,
      eventLogMaxFileBytes: v.eventLogMaxFileBytes ?? 8 * 1024 * 1024,
      eventLogMaxTotalBytes: v.eventLogMaxTotalBytes ?? 256 * 1024 * 1024,
      streamMaxBufferedBytes: v.streamMaxBufferedBytes ?? 4 * 1024 * 1024,
      recentEventsMaxBytes: v.recentEventsMaxBytes ?? 4 * 1024 * 1024,
      eventTextMaxBytes: v.eventTextMaxBytes ?? 16 * 1024,
      sessionEventsMaxBytes: v.sessionEventsMaxBytes ?? 1024 * 1024,
      sessionCacheMaxBytes: v.sessionCacheMaxBytes ?? 16 * 1024 * 1024,
      sessionRegistryMaxBytes: v.sessionRegistryMaxBytes ?? 8 * 1024 * 1024,
      approvalsMaxBytes: v.approvalsMaxBytes ?? 4 * 1024 * 1024
    }
  };
  const config = normalizeOrFail(
    parsed.problems,
    () => parseSchema(candidate),
    (all) => new ConfigError(all)
  );
  return deepFreeze(withFilePaths(config));
}

/** The state and log files every part of codexd finds under the two directories. */
function withFilePaths(c: z.infer<typeof schema>): CodexdConfig {
  const s = c.paths.stateRootDir;
  const l = c.paths.logsRootDir;
  return {
    ...c,
    paths: {
      ...c.paths,
      daemonStatePath: join(s, "daemon-state.json"),
      identityPath: join(s, "identity.json"),
      sessionRegistryPath: join(s, "session-registry.json"),
      recentEventsPath: join(s, "recent-events.json"),
      runRegistryPath: join(s, "run-registry.json"),
      approvalsPath: join(s, "approvals.json"),
      demoCodexHome: join(s, "demo-codex-home"),
      structuredEventLogPath: join(l, "events.jsonl"),
      stdoutLogPath: join(l, "app-server.stdout.log"),
      stderrLogPath: join(l, "app-server.stderr.log")
    }
  };
}

function parseSchema(candidate: unknown): z.infer<typeof schema> {
  // Parsed once or twice per process: compiling zod's fast path (its JIT) would cost more than it saves.
  const result = schema.safeParse(candidate, { jitless: true });
  // Named like every service's: `service.localApiBase (--local-api-base / BAA_CODEXD_LOCAL_API_BASE)`.
  if (!result.success) throw new ConfigError(describeIssues(SOURCES_BY_PATH, result.error.issues));
  return result.data;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
