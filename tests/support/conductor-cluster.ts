import { mkdirSync } from "node:fs";
import { startMockModel, writeCodexHome, type MockModel } from "@baa/mock-model";
import { makeTempDir, type TempDir } from "@baa/test-support";
import { freePort, startCodexdProcess, type CodexdProcess } from "./codexd-process.js";
import { startConductorProcess, type ConductorProcess } from "./conductor-process.js";
import { getJson, request } from "./http.js";
import { TEST_DATABASE_URL, testSchema, type TestSchema } from "./postgres.js";

export const CLUSTER_TOKEN = "c".repeat(64);

export interface ClusterNode {
  nodeId: string;
  role: "primary" | "standby";
  codexd: CodexdProcess;
  conductor: ConductorProcess;
  /** Stops the conductor process with `signal` and starts a new one with the same settings and port. */
  restartConductor(signal: NodeJS.Signals): Promise<ConductorProcess>;
}

export interface Cluster {
  dir: TempDir;
  model: MockModel;
  schema: TestSchema;
  /** Where the tasks run (a plain directory: shared workspace). */
  workdir: string;
  nodes: ClusterNode[];
  /** Starts one more node: its own codexd (real binary) and conductor process on the shared schema. */
  addNode(nodeId: string, role: "primary" | "standby"): Promise<ClusterNode>;
  /**
   * Creates a task through `node`. With `idempotencyKey`, a `503 store_unavailable` (the store
   * busy on a loaded machine) is retried after its Retry-After, a few times: the key makes a
   * retry return the task the first attempt may have created, never a second one.
   */
  createTask(
    node: ClusterNode,
    body: Record<string, unknown>,
    options?: { idempotencyKey?: string }
  ): Promise<string>;
  rolez(node: ClusterNode): Promise<any>;
  stop(): Promise<void>;
}

/**
 * Conductor processes on one PostgreSQL schema, each with its own codexd process running the
 * real `codex` binary against one loopback mock model: several machines, on one host.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = makeTempDir("baa-cluster-");
  const model = await startMockModel();
  const schema = testSchema("cluster");
  const workdir = dir.path("work");
  mkdirSync(workdir, { recursive: true });
  const nodes: ClusterNode[] = [];
  const cluster: Cluster = {
    dir,
    model,
    schema,
    workdir,
    nodes,
    async addNode(nodeId, role) {
      const node = await startNode({ dir, model, schema, options }, nodeId, role);
      nodes.push(node);
      return node;
    },
    createTask: (node, body, options = {}) => createTaskThrough(node, body, options),
    async rolez(node) {
      return (await getJson(`${node.conductor.base}/rolez`)).body.data;
    },
    async stop() {
      for (const node of nodes) {
        await node.conductor.kill("SIGKILL");
        await node.codexd.kill("SIGTERM");
      }
      await model.close();
      await schema
        .drop()
        .catch((error: unknown) => console.error(`could not drop ${schema.name}: ${String(error)}`));
      dir.remove();
    }
  };
  return cluster;
}

export interface ClusterOptions {
  leaseTtlMs: number;
  env?: Record<string, string>;
  /** `sqlite`: each node keeps its own store in its state dir (use one node). Default postgres. */
  database?: "postgres" | "sqlite";
}

interface ClusterContext {
  dir: TempDir;
  model: MockModel;
  schema: TestSchema;
  options: ClusterOptions;
}

/** One node: its own codexd (real binary) and conductor process on the shared schema. */
async function startNode(
  ctx: ClusterContext,
  nodeId: string,
  role: "primary" | "standby"
): Promise<ClusterNode> {
  const codexHome = ctx.dir.path(nodeId, "codex-home");
  // No login shell per thread: this machine's profile (pyenv) serializes them machine-wide,
  // which would measure the profile rather than the cluster (the benches do the same).
  writeCodexHome(codexHome, ctx.model.baseUrl, { shellSnapshot: false });
  const codexdPort = await freePort();
  // codexd and the conductor start at once: the conductor only needs codexd's address.
  const codexdStarting = startCodexdProcess({
    port: codexdPort,
    env: {
      CODEX_HOME: codexHome,
      BAA_REPO_ROOT: ctx.dir.path(nodeId),
      BAA_CODEXD_STATE_DIR: ctx.dir.path(nodeId, "codexd-state"),
      BAA_CODEXD_LOGS_DIR: ctx.dir.path(nodeId, "codexd-logs")
    }
  });
  const codexdBase = `http://127.0.0.1:${codexdPort}`;
  const port = await freePort();
  const env = conductorEnv(ctx, nodeId, role, codexdBase);
  const [codexdStarted, conductorStarted] = await Promise.allSettled([
    codexdStarting,
    startConductorProcess({ port, env })
  ]);
  if (codexdStarted.status === "rejected" || conductorStarted.status === "rejected") {
    if (codexdStarted.status === "fulfilled") await codexdStarted.value.kill("SIGKILL");
    if (conductorStarted.status === "fulfilled") await conductorStarted.value.kill("SIGKILL");
    throw codexdStarted.status === "rejected"
      ? codexdStarted.reason
      : (conductorStarted as PromiseRejectedResult).reason;
  }
  const codexd = codexdStarted.value;
  const conductor = conductorStarted.value;
  const node: ClusterNode = {
    nodeId,
    role,
    codexd,
    conductor,
    async restartConductor(signal) {
      await node.conductor.kill(signal);
      node.conductor = await startConductorProcess({ port, env });
      return node.conductor;
    }
  };
  return node;
}

/** The conductor's settings on a node: the shared store, short loops for tests, then the test's own. */
function conductorEnv(
  ctx: ClusterContext,
  nodeId: string,
  role: "primary" | "standby",
  codexdBase: string
): Record<string, string> {
  return {
    BAA_NODE_ID: nodeId,
    BAA_CONDUCTOR_ROLE: role,
    ...(ctx.options.database === "sqlite"
      ? {}
      : { BAA_DATABASE_URL: TEST_DATABASE_URL, BAA_DATABASE_SCHEMA: ctx.schema.name }),
    BAA_LEASE_TTL_MS: String(ctx.options.leaseTtlMs),
    BAA_CODEXD_LOCAL_API_BASE: codexdBase,
    BAA_REPO_ROOT: ctx.dir.path(nodeId),
    BAA_STATE_DIR: ctx.dir.path(nodeId, "conductor-state"),
    BAA_RUNS_DIR: ctx.dir.path(nodeId, "runs"),
    BAA_LOGS_DIR: ctx.dir.path(nodeId, "conductor-logs"),
    BAA_SHARED_TOKEN: CLUSTER_TOKEN,
    BAA_STORE_CONNECT_TIMEOUT_MS: "2000",
    BAA_STORE_QUERY_TIMEOUT_MS: "5000",
    BAA_SCHEDULER_POLL_MS: "50",
    BAA_RUN_PROGRESS_MS: "250",
    BAA_TASK_RETRY_BASE_MS: "50",
    BAA_TASK_RETRY_MAX_MS: "200",
    ...ctx.options.env
  };
}

async function createTaskThrough(
  node: ClusterNode,
  body: Record<string, unknown>,
  options: { idempotencyKey?: string }
): Promise<string> {
  const key = options.idempotencyKey;
  for (let attempt = 1; ; attempt++) {
    const created = await request(
      "POST",
      `${node.conductor.base}/v1/tasks`,
      body,
      key === undefined ? {} : { "idempotency-key": key }
    );
    if (created.status === 201 || (key !== undefined && created.status === 200))
      return created.body.data.task.taskId as string;
    if (key === undefined || created.status !== 503 || attempt >= 5)
      throw new Error(`task not created: ${created.status} ${created.text}`);
    console.log(`task ${key}: 503 on attempt ${attempt}, retrying: ${created.text}`);
    const retryAfterS = Number(created.headers.get("retry-after") ?? "1");
    await new Promise((resolve) => setTimeout(resolve, Math.min(2000, Math.max(100, retryAfterS * 1000))));
  }
}
