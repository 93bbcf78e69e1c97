import { isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { checkedBy, fromText, InvalidConfigError } from "@baa/config-sources";
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
        message: "must name a loopback host (127.0.0.1, ::1 or localhost): codexd never listens beyond this machine"
      })
      .refine((value) => (urlOrNull(value)?.protocol ?? "http:") === "http:", { message: "must be an http:// URL" }),
    eventStreamPath: z.string().startsWith("/"),
    /** Extra names a request's Host may carry (DNS-rebinding guard); see docs/security.md. */
    allowedHosts: z.array(checkedBy(parseAllowedHost, "not a host name or host:port (e.g. mini.tailnet.ts.net)")),
    /** Origins whose web pages may call codexd (with CORS answers). */
    allowedOrigins: z.array(checkedBy(parseAllowedOrigin, "not an origin (e.g. https://dash.example, no path)"))
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
  limits: z.object({
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
  }).refine((limits) => limits.eventLogMaxFileBytes <= limits.eventLogMaxTotalBytes, {
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

type Kind = "string" | "int" | "bool" | "list" | "args";

/**
 * Every setting's sources, in one table: key (a `CodexdConfigInput` field) -> [flag, env var,
 * kind, config path]. "" means no flag (env only). An explicit input field beats the flag, the
 * flag beats the env var, the env var beats the default; an empty env value means unset.
 * `repoRoot` also falls back to `BAA_REPO_ROOT`. Every flag and env var is in docs/runtime/.
 */
const SOURCES = {
  repoRoot: ["repo-root", "BAA_CODEXD_REPO_ROOT", "string", "paths.repoRoot"],
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
  serverArgs: ["server-arg", "BAA_CODEXD_SERVER_ARGS", "args", "server.childArgs"],
  nodeId: ["node-id", "BAA_NODE_ID", "string", "nodeId"],
  demo: ["demo", "BAA_CODEXD_DEMO", "bool", "demo"],
  logLevel: ["log-level", "BAA_CODEXD_LOG_LEVEL", "string", "logLevel"],
  bodyLimitBytes: ["", "BAA_CODEXD_BODY_LIMIT_BYTES", "int", "limits.bodyLimitBytes"],
  recentEventsLimit: ["", "BAA_CODEXD_RECENT_EVENTS_LIMIT", "int", "limits.recentEventsLimit"],
  requestTimeoutMs: ["", "BAA_CODEXD_REQUEST_TIMEOUT_MS", "int", "limits.requestTimeoutMs"],
  approvalTimeoutMs: ["", "BAA_CODEXD_APPROVAL_TIMEOUT_MS", "int", "limits.approvalTimeoutMs"],
  maxActiveTurns: ["", "BAA_CODEXD_MAX_ACTIVE_TURNS", "int", "limits.maxActiveTurns"],
  maxSessions: ["", "BAA_CODEXD_MAX_SESSIONS", "int", "limits.maxSessions"],
  maxClosedSessions: ["", "BAA_CODEXD_MAX_CLOSED_SESSIONS", "int", "limits.maxClosedSessions"],
  eventLogMaxFileBytes: ["", "BAA_CODEXD_EVENT_LOG_MAX_FILE_BYTES", "int", "limits.eventLogMaxFileBytes"],
  eventLogMaxTotalBytes: ["", "BAA_CODEXD_EVENT_LOG_MAX_TOTAL_BYTES", "int", "limits.eventLogMaxTotalBytes"],
  streamMaxBufferedBytes: ["", "BAA_CODEXD_STREAM_MAX_BUFFERED_BYTES", "int", "limits.streamMaxBufferedBytes"],
  recentEventsMaxBytes: ["", "BAA_CODEXD_RECENT_EVENTS_MAX_BYTES", "int", "limits.recentEventsMaxBytes"],
  eventTextMaxBytes: ["", "BAA_CODEXD_EVENT_TEXT_MAX_BYTES", "int", "limits.eventTextMaxBytes"],
  sessionEventsMaxBytes: ["", "BAA_CODEXD_SESSION_EVENTS_MAX_BYTES", "int", "limits.sessionEventsMaxBytes"],
  sessionCacheMaxBytes: ["", "BAA_CODEXD_SESSION_CACHE_MAX_BYTES", "int", "limits.sessionCacheMaxBytes"],
  sessionRegistryMaxBytes: ["", "BAA_CODEXD_SESSION_REGISTRY_MAX_BYTES", "int", "limits.sessionRegistryMaxBytes"],
  approvalsMaxBytes: ["", "BAA_CODEXD_APPROVALS_MAX_BYTES", "int", "limits.approvalsMaxBytes"],
  restartBaseDelayMs: ["", "BAA_CODEXD_RESTART_BASE_MS", "int", "restart.baseDelayMs"],
  restartMaxDelayMs: ["", "BAA_CODEXD_RESTART_MAX_MS", "int", "restart.maxDelayMs"],
  crashLoopLimit: ["", "BAA_CODEXD_CRASH_LOOP_LIMIT", "int", "restart.crashLoopLimit"],
  crashLoopWindowMs: ["", "BAA_CODEXD_CRASH_LOOP_WINDOW_MS", "int", "restart.windowMs"],
  childMaxRssMb: ["", "BAA_CODEXD_CHILD_MAX_RSS_MB", "int", "watchdog.maxRssMb"],
  childWatchdogIntervalMs: ["", "BAA_CODEXD_CHILD_WATCHDOG_INTERVAL_MS", "int", "watchdog.intervalMs"]
} as const satisfies Partial<Record<keyof CodexdConfigInput, readonly [string, string, Kind, string]>>;

type SourceKey = keyof typeof SOURCES;

/** `codexd status --json`: a command option, not a setting. */
const COMMAND_FLAGS = { json: { type: "boolean" } } as const;

// parseArgs options, from the table: string flags, `--demo` a switch, `--server-arg` repeatable.
const PARSE_OPTIONS: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {
  ...Object.fromEntries(
    Object.values(SOURCES)
      .filter(([flag]) => flag !== "")
      .map(([flag, , kind]) => [flag, kind === "bool" ? { type: "boolean" as const } : kind === "args" ? { type: "string" as const, multiple: true } : { type: "string" as const }])
  ),
  ...COMMAND_FLAGS
};

export class ConfigError extends InvalidConfigError {
  constructor(problems: readonly string[]) {
    super("codexd", problems);
    this.name = "ConfigError";
  }
}

/** Splits argv (after the subcommand) into the table's flags; unknown flags are a ConfigError. */
export function parseCodexdFlags(argv: readonly string[]): { values: CodexdConfigInput; json: boolean; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: joinDashValues(argv), options: PARSE_OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
  const values: Record<string, unknown> = {};
  for (const [key, [flag, , kind]] of Object.entries(SOURCES)) {
    const value = flag === "" ? undefined : (parsed.values as Record<string, unknown>)[flag];
    if (value === undefined) continue;
    values[key] = kind === "list" ? fromText("list", value as string) : value;
  }
  return { values: values as CodexdConfigInput, json: parsed.values.json === true, positionals: parsed.positionals };
}

// `--server-arg -c` is legitimate (codex's own flags start with a dash); parseArgs would call it
// ambiguous, so pass every string flag's next word as its value.
function joinDashValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const name = arg.startsWith("--") ? arg.slice(2) : undefined;
    const spec = name === undefined ? undefined : PARSE_OPTIONS[name];
    if (spec?.type === "string" && i + 1 < argv.length) {
      out.push(`${arg}=${argv[i + 1]}`);
      i += 1;
    } else {
      out.push(arg);
    }
  }
  return out;
}

// Refinements run even when .url() failed; a bad URL is reported once, by .url().
function urlOrNull(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** An env value as its kind; text that does not fit is passed on so the schema names the key. */
function fromEnv(kind: Kind, text: string): unknown {
  if (kind === "args") return splitArgs(text);
  return fromText(kind === "int" ? "number" : kind === "bool" ? "boolean" : kind, text);
}

/** Each key's value from the first source that sets it (input, flag, env), or undefined. */
function readSources(input: CodexdConfigInput, env: Readonly<Record<string, string | undefined>>): Partial<Record<SourceKey, unknown>> {
  const flags = input.argv === undefined ? {} : parseCodexdFlags(input.argv).values;
  const out: Partial<Record<SourceKey, unknown>> = {};
  for (const [key, [, envName, kind]] of Object.entries(SOURCES) as [SourceKey, (typeof SOURCES)[SourceKey]][]) {
    const text = env[envName];
    const value = input[key] ?? flags[key] ?? (text === undefined || text.trim() === "" ? undefined : fromEnv(kind, text));
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * Resolves codexd's configuration once, through the table of sources above: explicit fields,
 * then flags in `argv`, then `env`, then defaults. Returns a frozen object; every bad key is
 * reported in one ConfigError, named with its flag and env var.
 */
export function resolveCodexdConfig(input: CodexdConfigInput = {}): CodexdConfig {
  const env = input.env ?? process.env;
  const v = readSources(input, env);
  const sharedRoot = env.BAA_REPO_ROOT === undefined || env.BAA_REPO_ROOT.trim() === "" ? undefined : env.BAA_REPO_ROOT;
  const repoRoot = resolve(String(v.repoRoot ?? sharedRoot ?? process.cwd()));
  const under = (value: unknown, fallback: string) =>
    value === undefined ? fallback : isAbsolute(String(value)) ? String(value) : resolve(repoRoot, String(value));
  const list = (value: unknown, fallback: readonly string[]) => (Array.isArray(value) ? [...value] : (value ?? [...fallback]));

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
  // Parsed once or twice per process: compiling zod's fast path (its JIT) would cost more than it saves.
  const result = schema.safeParse(candidate, { jitless: true });
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${configKeyName(issue.path)}: ${issue.message}`));
  }
  const c = result.data;
  const s = c.paths.stateRootDir;
  const l = c.paths.logsRootDir;
  return deepFreeze({
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
  });
}

// Names a bad key the way a user set it: its flag and env var beside the config path.
const SOURCE_BY_PATH = new Map<string, readonly [string, string, Kind, string]>(Object.values(SOURCES).map((entry) => [entry[3], entry]));

function configKeyName(path: readonly PropertyKey[]): string {
  const key = path.map(String).join(".");
  // A list entry (`service.allowedHosts.1`) came from its list's source.
  const source = SOURCE_BY_PATH.get(key) ?? SOURCE_BY_PATH.get(path.filter((part) => typeof part !== "number").map(String).join("."));
  if (source === undefined) return key;
  const [flag, envName] = source;
  return flag === "" ? `${key} (${envName})` : `${key} (${envName} / --${flag})`;
}

function splitArgs(value: string): string[] {
  return value.trim().split(/\s+/);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
