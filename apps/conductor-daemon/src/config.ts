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
import { parseCidr } from "@baa/net-trust";
import { parseAllowedHost, parseAllowedOrigin, tokenProblem } from "@baa/http-guard";
import { gitHubConfigProblems, GitHubReposSchema, readGitHubConfigFile } from "./github/github-config.js";

const listenBase = httpBase("localApiBase").refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === "http:" && (url.pathname === "/" || url.pathname === "");
    } catch {
      return false;
    }
  },
  { message: "localApiBase must be http://HOST:PORT with no path (port 0 picks a free port)" }
);

const positiveInt = z.number().int().positive();

// net-trust's and the browser guard's parsers decide what a valid entry is.
const cidr = checkedBy(parseCidr, "not a CIDR (e.g. 100.64.0.0/10)");
const allowedHost = checkedBy(parseAllowedHost, "not a host name or host:port (e.g. mini.tailnet.ts.net)");
const allowedOrigin = checkedBy(parseAllowedOrigin, "not an origin (e.g. https://dash.example, no path)");

/** The conductor's configuration; partial objects are completed with the defaults below. */
export const ConductorConfigSchema = z
  .strictObject({
    nodeId: z.string().trim().min(1).default("mini-main"),
    host: z.string().trim().min(1).default("mini"),
    role: z.enum(["primary", "standby"]).default("primary"),
    localApiBase: listenBase.default("http://127.0.0.1:4317"),
    codexdLocalApiBase: httpBase("codexdLocalApiBase").default("http://127.0.0.1:4319"),
    controlApiBase: httpBase("controlApiBase").default("https://conductor.makefile.so"),
    sharedToken: z.string().min(1).optional(),
    trustedCidrs: z.array(cidr).default([]),
    /** Extra names a request's Host may carry without the token (DNS-rebinding guard). */
    allowedHosts: z.array(allowedHost).default([]),
    /** Origins whose web pages may call the API (with CORS answers). */
    allowedOrigins: z.array(allowedOrigin).default([]),
    /** False: loopback peers need the token too (e.g. behind a same-host proxy). */
    trustLoopback: z.boolean({ error: "must be true or false" }).default(true),
    repoRoot: z
      .string()
      .min(1)
      .default(() => process.cwd()),
    paths: z
      .strictObject({
        stateDir: z.string().min(1).optional(),
        runsDir: z.string().min(1).optional(),
        logsDir: z.string().min(1).optional(),
        worktreesDir: z.string().min(1).optional(),
        /** Where a task that names no cwd works, one directory per task. */
        scratchDir: z.string().min(1).optional()
      })
      .default({}),
    bodyLimitBytes: positiveInt.default(1024 * 1024),
    proxyTimeoutMs: positiveInt.default(30_000),
    codexdConnectTimeoutMs: positiveInt.default(1_000),
    /** PostgreSQL URL for several nodes; unset means SQLite in `stateDir`. */
    databaseUrl: z
      .string()
      .refine((value) => /^postgres(ql)?:\/\//.test(value), {
        message: "must be a postgres:// or postgresql:// URL"
      })
      .optional(),
    /** The PostgreSQL schema holding the conductor's tables (several conductors share one). */
    databaseSchema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case SQL identifier")
      .default("baa"),
    storeConnectTimeoutMs: positiveInt.default(2_000),
    storeQueryTimeoutMs: positiveInt.default(5_000),
    /** How long a leader's lease lasts; it renews every third of it. */
    leaseTtlMs: z.number().int().min(300).default(15_000),
    maxConcurrentTasks: positiveInt.default(2),
    /** False: an API-only node that claims nothing (PostgreSQL; SQLite is one node and always executes). */
    execute: z.boolean({ error: "must be true or false" }).default(true),
    /** A node-claimed run's lease (PostgreSQL): renewed every third of it; the node's heartbeat expires after it too. */
    runLeaseTtlMs: z.number().int().min(300).default(30_000),
    /** Labels a task's `runsOn` is matched against. */
    nodeLabels: z.array(z.string().trim().min(1).max(100)).default([]),
    /** The API address other nodes reach this node at; unset: the address it listens on. */
    nodeAddress: httpBase("nodeAddress").optional(),
    /** Bound on one request forwarded to the node that owns a run (PostgreSQL), connect to last byte. */
    forwardTimeoutMs: positiveInt.default(30_000),
    maxQueuedTasks: positiveInt.default(10_000),
    /** A run whose turn shows no new event for this long is interrupted and retried (a task's stallTimeoutMs wins). */
    taskStallTimeoutMs: positiveInt.default(600_000),
    /** A task's deadline when it sets no timeoutMs; unset: none. */
    taskTimeoutMs: positiveInt.optional(),
    /** Retry backoff of a failed run: this, doubling per failure, up to taskRetryMaxMs. */
    taskRetryBaseMs: positiveInt.default(10_000),
    taskRetryMaxMs: positiveInt.default(600_000),
    /** How long claiming stops after a usage-limit failure whose message names no reset time. */
    quotaBackoffMs: positiveInt.default(900_000),
    /** How often the scheduler looks for due work on its own (it is also woken by new tasks and ended runs). */
    schedulerPollMs: positiveInt.default(1_000),
    /** How often a running run writes its progress and looks for a cancel made on another node. */
    runProgressMs: positiveInt.default(1_000),
    /** A task's worktree is removed this long after the task ended (its work committed to its branch first). */
    worktreeRetentionMs: z
      .number()
      .int()
      .min(0)
      .default(24 * 60 * 60 * 1000),
    /** A remote every node's clone of a repository shares (`origin`): each run's commit is pushed to `baa/<task_id>` there, and a node without the branch starts from it. */
    workRemote: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, { message: "must be a git remote name such as origin" })
      .max(100)
      .optional(),
    /** Author and committer of the commit each worktree run makes: `Name <email>`. */
    gitAuthor: z
      .string()
      .trim()
      .regex(/^[^<>\n]+ <[^<>\s]+>$/, "must be `Name <email>`")
      .default("baa-conductor <baa@localhost>"),
    /** A task's diff answer carries at most this many bytes of patch (`truncated: true` past it). */
    diffMaxBytes: positiveInt.default(1024 * 1024),
    /** A GitHub token: a land with `push` then opens or updates a pull request. Environment only. */
    githubToken: z.string().min(1).optional(),
    /** GitHub's REST API (GitHub Enterprise: `https://HOST/api/v3`). */
    githubApiUrl: z.url({ protocol: /^https?$/ }).default("https://api.github.com"),
    /** Repositories whose labelled issues become tasks (BAA_GITHUB_REPOS, or the file of --github-config). */
    githubRepos: GitHubReposSchema.default([]),
    /** The file `githubRepos` was read from, when it was (resolveConductorConfig reads it). */
    githubConfigFile: z.string().min(1).optional(),
    /** How often the leader lists each repository's labelled issues; 0: never (webhooks only). */
    githubPollMs: z.number().int().min(0).default(60_000),
    /** The secret GitHub signs webhook deliveries with (X-Hub-Signature-256). Environment only. */
    githubWebhookSecret: z.string().min(1).optional(),
    /** Where every task's notifications go (comma-separated in BAA_NOTIFY_URLS). */
    notifyUrls: z.array(z.url({ protocol: /^https?$/ })).default([]),
    /** Signs notifications (X-Baa-Signature). Environment only; never logged. */
    notifySecret: z.string().min(1).optional(),
    /** How long a notification is retried after its event. */
    notifyRetryForMs: positiveInt.default(60 * 60 * 1000),
    /** Each notification attempt's timeout. */
    notifyTimeoutMs: positiveInt.default(10_000),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info")
  })
  .transform((raw) => {
    const repoRoot = resolve(raw.repoRoot);
    return {
      ...raw,
      repoRoot,
      paths: {
        stateDir: resolve(repoRoot, raw.paths.stateDir ?? "state/conductor"),
        runsDir: resolve(repoRoot, raw.paths.runsDir ?? "runs"),
        logsDir: resolve(repoRoot, raw.paths.logsDir ?? "logs/conductor"),
        worktreesDir: resolve(
          repoRoot,
          raw.paths.worktreesDir ?? join(raw.paths.stateDir ?? "state/conductor", "worktrees")
        ),
        scratchDir: resolve(
          repoRoot,
          raw.paths.scratchDir ?? join(raw.paths.stateDir ?? "state/conductor", "scratch")
        )
      }
    };
  });

export type ConductorConfigInput = z.input<typeof ConductorConfigSchema>;
type ConductorConfigShape = z.output<typeof ConductorConfigSchema>;
export type ConductorConfig = Readonly<
  Omit<ConductorConfigShape, "paths" | "trustedCidrs" | "allowedHosts" | "allowedOrigins" | "nodeLabels"> & {
    paths: Readonly<ConductorConfigShape["paths"]>;
    trustedCidrs: readonly string[];
    allowedHosts: readonly string[];
    allowedOrigins: readonly string[];
    nodeLabels: readonly string[];
  }
>;

/** Thrown once with every bad key of a configuration. */
export class ConductorConfigError extends InvalidConfigError {
  constructor(problems: readonly string[]) {
    super("conductor", problems);
    this.name = "ConductorConfigError";
  }
}

// key -> [flag, env, kind]; the flag and env names users see in error messages and `--help`.
export const CONDUCTOR_SOURCES: SourceTable = {
  nodeId: ["node-id", "BAA_NODE_ID"],
  host: ["host", "BAA_NODE_HOST"],
  role: ["role", "BAA_CONDUCTOR_ROLE", "string", "primary or standby"],
  localApiBase: ["local-api-base", "BAA_CONDUCTOR_LOCAL_API"],
  codexdLocalApiBase: ["codexd-local-api-base", "BAA_CODEXD_LOCAL_API_BASE"],
  controlApiBase: ["control-api-base", "BAA_CONTROL_API_BASE"],
  sharedToken: ["", "BAA_SHARED_TOKEN"],
  trustedCidrs: ["trusted-cidrs", "BAA_TRUSTED_CIDRS", "list"],
  allowedHosts: ["allowed-hosts", "BAA_ALLOWED_HOSTS", "list"],
  allowedOrigins: ["allowed-origins", "BAA_ALLOWED_ORIGINS", "list"],
  trustLoopback: ["trust-loopback", "BAA_TRUST_LOOPBACK", "boolean"],
  repoRoot: ["repo-root", "BAA_REPO_ROOT"],
  "paths.stateDir": ["state-dir", "BAA_STATE_DIR"],
  "paths.runsDir": ["runs-dir", "BAA_RUNS_DIR"],
  "paths.logsDir": ["logs-dir", "BAA_LOGS_DIR"],
  bodyLimitBytes: ["body-limit-bytes", "BAA_CONDUCTOR_BODY_LIMIT_BYTES", "number"],
  proxyTimeoutMs: ["proxy-timeout-ms", "BAA_CONDUCTOR_PROXY_TIMEOUT_MS", "number"],
  codexdConnectTimeoutMs: ["codexd-connect-timeout-ms", "BAA_CODEXD_CONNECT_TIMEOUT_MS", "number"],
  // The URL may carry a password: environment only, like the token.
  databaseUrl: ["", "BAA_DATABASE_URL"],
  databaseSchema: ["database-schema", "BAA_DATABASE_SCHEMA"],
  storeConnectTimeoutMs: ["store-connect-timeout-ms", "BAA_STORE_CONNECT_TIMEOUT_MS", "number"],
  storeQueryTimeoutMs: ["store-query-timeout-ms", "BAA_STORE_QUERY_TIMEOUT_MS", "number"],
  leaseTtlMs: ["lease-ttl-ms", "BAA_LEASE_TTL_MS", "number"],
  maxConcurrentTasks: ["max-concurrent-tasks", "BAA_MAX_CONCURRENT_TASKS", "number"],
  execute: ["execute", "BAA_EXECUTE", "boolean"],
  runLeaseTtlMs: ["run-lease-ttl-ms", "BAA_RUN_LEASE_TTL_MS", "number"],
  nodeLabels: ["node-labels", "BAA_NODE_LABELS", "list"],
  nodeAddress: ["node-address", "BAA_NODE_ADDRESS"],
  forwardTimeoutMs: [
    "forward-timeout-ms",
    "BAA_FORWARD_TIMEOUT_MS",
    "number",
    "bound on a request forwarded to the node that owns a run"
  ],
  maxQueuedTasks: ["max-queued-tasks", "BAA_MAX_QUEUED_TASKS", "number"],
  taskStallTimeoutMs: ["task-stall-timeout-ms", "BAA_TASK_STALL_TIMEOUT_MS", "number"],
  taskTimeoutMs: ["task-timeout-ms", "BAA_TASK_TIMEOUT_MS", "number"],
  taskRetryBaseMs: ["task-retry-base-ms", "BAA_TASK_RETRY_BASE_MS", "number"],
  taskRetryMaxMs: ["task-retry-max-ms", "BAA_TASK_RETRY_MAX_MS", "number"],
  quotaBackoffMs: ["quota-backoff-ms", "BAA_QUOTA_BACKOFF_MS", "number"],
  schedulerPollMs: ["scheduler-poll-ms", "BAA_SCHEDULER_POLL_MS", "number"],
  runProgressMs: ["run-progress-ms", "BAA_RUN_PROGRESS_MS", "number"],
  worktreeRetentionMs: ["worktree-retention-ms", "BAA_WORKTREE_RETENTION_MS", "number"],
  workRemote: ["work-remote", "BAA_WORK_REMOTE"],
  "paths.worktreesDir": ["worktrees-dir", "BAA_WORKTREES_DIR"],
  "paths.scratchDir": ["scratch-dir", "BAA_SCRATCH_DIR"],
  gitAuthor: ["git-author", "BAA_GIT_AUTHOR", "string", "`Name <email>` of each run's commit"],
  diffMaxBytes: ["diff-max-bytes", "BAA_DIFF_MAX_BYTES", "number"],
  // A secret: environment only, like the shared token.
  githubToken: ["", "BAA_GITHUB_TOKEN"],
  githubApiUrl: ["github-api-url", "BAA_GITHUB_API_URL"],
  githubRepos: ["", "BAA_GITHUB_REPOS"],
  githubConfigFile: ["github-config", "BAA_GITHUB_CONFIG", "string", "a JSON file of repositories"],
  githubPollMs: ["github-poll-ms", "BAA_GITHUB_POLL_MS", "number"],
  // A secret: environment only, like the shared token.
  githubWebhookSecret: ["", "BAA_GITHUB_WEBHOOK_SECRET"],
  notifyUrls: ["notify-urls", "BAA_NOTIFY_URLS", "list"],
  // A secret: environment only, like the shared token.
  notifySecret: ["", "BAA_NOTIFY_SECRET"],
  notifyRetryForMs: ["notify-retry-for-ms", "BAA_NOTIFY_RETRY_FOR_MS", "number"],
  notifyTimeoutMs: ["notify-timeout-ms", "BAA_NOTIFY_TIMEOUT_MS", "number"],
  logLevel: [
    "log-level",
    "BAA_CONDUCTOR_LOG_LEVEL",
    "string",
    "fatal, error, warn, info, debug, trace or silent"
  ]
};

/**
 * Validates a (partial) config object and fills the defaults; returns a deep-frozen config.
 * @throws ConductorConfigError listing every bad key
 */
export function normalizeConductorConfig(
  input: ConductorConfigInput | ConductorConfig = {}
): ConductorConfig {
  // Parsed once per process: compiling zod's fast path (its JIT) would cost more than it saves.
  const result = ConductorConfigSchema.safeParse(input, { jitless: true });
  if (!result.success) {
    throw new ConductorConfigError(describeIssues(CONDUCTOR_SOURCES, result.error.issues));
  }
  const config = result.data;
  const githubProblems = gitHubConfigProblems(config);
  if (githubProblems.length > 0) throw new ConductorConfigError(githubProblems);
  return Object.freeze({
    ...config,
    trustedCidrs: Object.freeze([...config.trustedCidrs]),
    allowedHosts: Object.freeze([...config.allowedHosts]),
    allowedOrigins: Object.freeze([...config.allowedOrigins]),
    nodeLabels: Object.freeze([...config.nodeLabels]),
    paths: Object.freeze({ ...config.paths })
  });
}

/**
 * Merges flags (highest), then env, then defaults. `argv` holds flags only (no node, script or
 * command). Only this function interprets the environment.
 * @example resolveConductorConfig({ argv: ["--role", "standby"], env: process.env })
 */
export function resolveConductorConfig(options: {
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
}): ConductorConfig {
  const { input, problems } = readSources(CONDUCTOR_SOURCES, options);
  // Only a token set through the environment is held to the length: the seed's embedding
  // callers pass short placeholders programmatically (the app then accepts no token at all).
  const shortToken = typeof input.sharedToken === "string" ? tokenProblem(input.sharedToken) : undefined;
  if (shortToken !== undefined)
    problems.push(`sharedToken${describeSource(CONDUCTOR_SOURCES, "sharedToken")}: ${shortToken}`);
  readGitHubConfigFile(input, problems);

  return normalizeOrFail(
    problems,
    () => normalizeConductorConfig(input as ConductorConfigInput),
    (all) => new ConductorConfigError(all)
  );
}
