import { isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
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

/** The CLI flags; every one of them is documented in docs/runtime/codexd.md. */
const FLAGS = {
  "repo-root": { type: "string" },
  "logs-dir": { type: "string" },
  "state-dir": { type: "string" },
  "local-api-base": { type: "string" },
  "event-stream-path": { type: "string" },
  "allowed-hosts": { type: "string" },
  "allowed-origins": { type: "string" },
  "server-endpoint": { type: "string" },
  "server-strategy": { type: "string" },
  "server-command": { type: "string" },
  "server-cwd": { type: "string" },
  "server-arg": { type: "string", multiple: true },
  "node-id": { type: "string" },
  demo: { type: "boolean" },
  "log-level": { type: "string" },
  json: { type: "boolean" }
} as const;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid codexd config: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

/** Splits argv (after the subcommand) into the flags above; unknown flags are a ConfigError. */
export function parseCodexdFlags(argv: readonly string[]): { values: CodexdConfigInput; json: boolean; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: joinDashValues(argv), options: FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
  const v = parsed.values;
  const values: CodexdConfigInput = {
    repoRoot: v["repo-root"],
    logsDir: v["logs-dir"],
    stateDir: v["state-dir"],
    localApiBase: v["local-api-base"],
    eventStreamPath: v["event-stream-path"],
    allowedHosts: splitList(v["allowed-hosts"]),
    allowedOrigins: splitList(v["allowed-origins"]),
    serverEndpoint: v["server-endpoint"],
    serverStrategy: v["server-strategy"],
    serverCommand: v["server-command"],
    serverCwd: v["server-cwd"],
    serverArgs: v["server-arg"],
    nodeId: v["node-id"],
    logLevel: v["log-level"],
    demo: v.demo
  };
  return { values, json: v.json === true, positionals: parsed.positionals };
}

// `--server-arg -c` is legitimate (codex's own flags start with a dash); parseArgs would call it
// ambiguous, so pass every string flag's next word as its value.
function joinDashValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const name = arg.startsWith("--") ? arg.slice(2) : undefined;
    const spec = name === undefined ? undefined : (FLAGS as Record<string, { type: string }>)[name];
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

function envFlag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  return ["1", "true", "yes", "on"].includes(value.toLowerCase());
}

/**
 * Resolves codexd's configuration once: explicit fields, then flags in `argv`, then `env`
 * (`BAA_CODEXD_*`, `BAA_NODE_ID`), then defaults. Returns a frozen object; any bad key is
 * reported in one ConfigError.
 */
export function resolveCodexdConfig(input: CodexdConfigInput = {}): CodexdConfig {
  const env = input.env ?? process.env;
  const flags = input.argv === undefined ? {} : parseCodexdFlags(input.argv).values;
  const pick = <K extends keyof CodexdConfigInput>(key: K, envName?: string): CodexdConfigInput[K] | string | undefined =>
    input[key] ?? flags[key] ?? (envName === undefined ? undefined : env[envName] || undefined);

  const repoRoot = resolve(String(pick("repoRoot", "BAA_CODEXD_REPO_ROOT") ?? env.BAA_REPO_ROOT ?? process.cwd()));
  const under = (value: unknown, fallback: string) =>
    value === undefined ? fallback : isAbsolute(String(value)) ? String(value) : resolve(repoRoot, String(value));
  const logsRootDir = under(pick("logsDir", "BAA_CODEXD_LOGS_DIR"), join(repoRoot, "logs", "codexd"));
  const stateRootDir = under(pick("stateDir", "BAA_CODEXD_STATE_DIR"), join(repoRoot, "state", "codexd"));
  const serverArgs = input.serverArgs ?? flags.serverArgs ?? splitArgs(env.BAA_CODEXD_SERVER_ARGS) ?? ["app-server"];

  const candidate = {
    nodeId: pick("nodeId", "BAA_NODE_ID") ?? "mini-main",
    version: input.version ?? CODEXD_VERSION,
    logLevel: input.logLevel ?? flags.logLevel ?? (env.BAA_CODEXD_LOG_LEVEL || undefined) ?? "info",
    demo: input.demo ?? flags.demo ?? envFlag(env.BAA_CODEXD_DEMO) ?? false,
    paths: { repoRoot, logsRootDir, stateRootDir },
    service: {
      localApiBase: pick("localApiBase", "BAA_CODEXD_LOCAL_API_BASE") ?? DEFAULT_LOCAL_API_BASE,
      eventStreamPath: pick("eventStreamPath", "BAA_CODEXD_EVENT_STREAM_PATH") ?? "/v1/codexd/events",
      allowedHosts: [...(input.allowedHosts ?? flags.allowedHosts ?? splitList(env.BAA_ALLOWED_HOSTS) ?? [])],
      allowedOrigins: [...(input.allowedOrigins ?? flags.allowedOrigins ?? splitList(env.BAA_ALLOWED_ORIGINS) ?? [])]
    },
    server: {
      mode: "app-server",
      endpoint: pick("serverEndpoint", "BAA_CODEXD_SERVER_ENDPOINT") ?? "stdio://codex-app-server",
      childStrategy: pick("serverStrategy", "BAA_CODEXD_SERVER_STRATEGY") ?? "spawn",
      childCommand: pick("serverCommand", "BAA_CODEXD_SERVER_COMMAND") ?? "codex",
      childArgs: [...serverArgs],
      childCwd: under(pick("serverCwd", "BAA_CODEXD_SERVER_CWD"), repoRoot)
    },
    restart: {
      baseDelayMs: input.restartBaseDelayMs ?? env.BAA_CODEXD_RESTART_BASE_MS ?? 500,
      maxDelayMs: input.restartMaxDelayMs ?? env.BAA_CODEXD_RESTART_MAX_MS ?? 30_000,
      crashLoopLimit: input.crashLoopLimit ?? env.BAA_CODEXD_CRASH_LOOP_LIMIT ?? 5,
      windowMs: input.crashLoopWindowMs ?? env.BAA_CODEXD_CRASH_LOOP_WINDOW_MS ?? 60_000
    },
    limits: {
      bodyLimitBytes: input.bodyLimitBytes ?? env.BAA_CODEXD_BODY_LIMIT_BYTES ?? 1024 * 1024,
      recentEventsLimit: input.recentEventsLimit ?? env.BAA_CODEXD_RECENT_EVENTS_LIMIT ?? 200,
      requestTimeoutMs: input.requestTimeoutMs ?? env.BAA_CODEXD_REQUEST_TIMEOUT_MS ?? 30_000,
      approvalTimeoutMs: input.approvalTimeoutMs ?? env.BAA_CODEXD_APPROVAL_TIMEOUT_MS ?? 600_000,
      maxActiveTurns: input.maxActiveTurns ?? env.BAA_CODEXD_MAX_ACTIVE_TURNS ?? 32,
      maxSessions: input.maxSessions ?? env.BAA_CODEXD_MAX_SESSIONS ?? 1000,
      maxClosedSessions: input.maxClosedSessions ?? env.BAA_CODEXD_MAX_CLOSED_SESSIONS ?? 500,
      eventLogMaxFileBytes: input.eventLogMaxFileBytes ?? env.BAA_CODEXD_EVENT_LOG_MAX_FILE_BYTES ?? 8 * 1024 * 1024,
      eventLogMaxTotalBytes: input.eventLogMaxTotalBytes ?? env.BAA_CODEXD_EVENT_LOG_MAX_TOTAL_BYTES ?? 256 * 1024 * 1024,
      streamMaxBufferedBytes: input.streamMaxBufferedBytes ?? env.BAA_CODEXD_STREAM_MAX_BUFFERED_BYTES ?? 4 * 1024 * 1024,
      recentEventsMaxBytes: input.recentEventsMaxBytes ?? (env.BAA_CODEXD_RECENT_EVENTS_MAX_BYTES || undefined) ?? 4 * 1024 * 1024,
      eventTextMaxBytes: input.eventTextMaxBytes ?? (env.BAA_CODEXD_EVENT_TEXT_MAX_BYTES || undefined) ?? 16 * 1024,
      sessionEventsMaxBytes: input.sessionEventsMaxBytes ?? (env.BAA_CODEXD_SESSION_EVENTS_MAX_BYTES || undefined) ?? 1024 * 1024,
      sessionCacheMaxBytes: input.sessionCacheMaxBytes ?? (env.BAA_CODEXD_SESSION_CACHE_MAX_BYTES || undefined) ?? 16 * 1024 * 1024,
      sessionRegistryMaxBytes: input.sessionRegistryMaxBytes ?? (env.BAA_CODEXD_SESSION_REGISTRY_MAX_BYTES || undefined) ?? 8 * 1024 * 1024,
      approvalsMaxBytes: input.approvalsMaxBytes ?? (env.BAA_CODEXD_APPROVALS_MAX_BYTES || undefined) ?? 4 * 1024 * 1024
    }
  };
  const result = schema.safeParse(candidate);
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

// Names a bad key the way a user set it: the env var beside the config path.
const ENV_NAMES: Record<string, string> = {
  logLevel: "BAA_CODEXD_LOG_LEVEL / --log-level",
  "service.localApiBase": "BAA_CODEXD_LOCAL_API_BASE / --local-api-base",
  "service.eventStreamPath": "BAA_CODEXD_EVENT_STREAM_PATH / --event-stream-path",
  "service.allowedHosts": "BAA_ALLOWED_HOSTS / --allowed-hosts",
  "service.allowedOrigins": "BAA_ALLOWED_ORIGINS / --allowed-origins",
  "server.childStrategy": "BAA_CODEXD_SERVER_STRATEGY / --server-strategy",
  "server.childCommand": "BAA_CODEXD_SERVER_COMMAND / --server-command",
  "limits.bodyLimitBytes": "BAA_CODEXD_BODY_LIMIT_BYTES",
  "limits.recentEventsLimit": "BAA_CODEXD_RECENT_EVENTS_LIMIT",
  "limits.requestTimeoutMs": "BAA_CODEXD_REQUEST_TIMEOUT_MS",
  "limits.approvalTimeoutMs": "BAA_CODEXD_APPROVAL_TIMEOUT_MS",
  "limits.maxActiveTurns": "BAA_CODEXD_MAX_ACTIVE_TURNS",
  "limits.maxSessions": "BAA_CODEXD_MAX_SESSIONS",
  "limits.maxClosedSessions": "BAA_CODEXD_MAX_CLOSED_SESSIONS",
  "limits.eventLogMaxFileBytes": "BAA_CODEXD_EVENT_LOG_MAX_FILE_BYTES",
  "limits.eventLogMaxTotalBytes": "BAA_CODEXD_EVENT_LOG_MAX_TOTAL_BYTES",
  "limits.streamMaxBufferedBytes": "BAA_CODEXD_STREAM_MAX_BUFFERED_BYTES",
  "limits.recentEventsMaxBytes": "BAA_CODEXD_RECENT_EVENTS_MAX_BYTES",
  "limits.eventTextMaxBytes": "BAA_CODEXD_EVENT_TEXT_MAX_BYTES",
  "limits.sessionEventsMaxBytes": "BAA_CODEXD_SESSION_EVENTS_MAX_BYTES",
  "limits.sessionCacheMaxBytes": "BAA_CODEXD_SESSION_CACHE_MAX_BYTES",
  "limits.sessionRegistryMaxBytes": "BAA_CODEXD_SESSION_REGISTRY_MAX_BYTES",
  "limits.approvalsMaxBytes": "BAA_CODEXD_APPROVALS_MAX_BYTES",
  "restart.baseDelayMs": "BAA_CODEXD_RESTART_BASE_MS",
  "restart.maxDelayMs": "BAA_CODEXD_RESTART_MAX_MS",
  "restart.crashLoopLimit": "BAA_CODEXD_CRASH_LOOP_LIMIT",
  "restart.windowMs": "BAA_CODEXD_CRASH_LOOP_WINDOW_MS"
};

function configKeyName(path: readonly PropertyKey[]): string {
  const key = path.map(String).join(".");
  // A list entry (`service.allowedHosts.1`) came from its list's source.
  const source = ENV_NAMES[key] ?? ENV_NAMES[path.filter((part) => typeof part !== "number").map(String).join(".")];
  return source === undefined ? key : `${key} (${source})`;
}

// Comma-separated; an empty or blank value means unset.
function splitList(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  return value.split(",").map((part) => part.trim()).filter((part) => part !== "");
}

// The browser guard's parsers decide what a valid entry is; the schema reports their verdict.
function checkedBy(parse: (value: string) => unknown, message: string) {
  return z.string().refine(
    (value) => {
      try {
        parse(value);
        return true;
      } catch {
        return false;
      }
    },
    { message }
  );
}

function splitArgs(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  return value.trim().split(/\s+/);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
