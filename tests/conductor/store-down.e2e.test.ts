// The store going away under a conductor process (PostgreSQL reached through a loopback TCP
// proxy the test controls; the machine's server keeps running): every request that needs the
// store answers 503 store_unavailable quickly, never hangs, and the conductor recovers by
// itself when the store is back.
import assert from "node:assert/strict";
import test from "node:test";
import { startTcpProxy, type TcpProxy } from "@baa/test-support";
import { startCluster, type Cluster, type ClusterNode } from "../support/conductor-cluster.js";
import { eventually, getJson, request } from "../support/http.js";
import { testSchema, type TestSchema } from "../support/postgres.js";

const SECRET = "not-a-real-secret-4711";

async function timed<T>(call: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await call();
  return { value, ms: Date.now() - started };
}

/** The routes that need the store, each answered 503 store_unavailable (with Retry-After) well within `boundMs`. */
async function assertStoreUnavailable(node: ClusterNode, boundMs: number): Promise<void> {
  const calls: [string, () => ReturnType<typeof request>][] = [
    [
      "POST /v1/tasks",
      () => request("POST", `${node.conductor.base}/v1/tasks`, { title: "t", prompt: "during the outage" })
    ],
    ["GET /v1/tasks", () => getJson(`${node.conductor.base}/v1/tasks`)],
    ["GET /v1/system/state", () => getJson(`${node.conductor.base}/v1/system/state`)],
    ["POST /v1/system/pause", () => request("POST", `${node.conductor.base}/v1/system/pause`)]
  ];
  for (const [what, call] of calls) {
    const { value, ms } = await timed(call);
    assert.equal(value.status, 503, `${what}: ${value.text}`);
    assert.equal(value.body.error.code, "store_unavailable", what);
    assert.equal(value.headers.get("retry-after"), "1", what);
    assert.ok(
      !value.text.includes(SECRET) && !value.text.includes("postgres://"),
      `${what}: no connection string in the answer`
    );
    assert.ok(ms < boundMs, `${what} took ${ms} ms`);
  }
  const ready = await timed(() => getJson(`${node.conductor.base}/readyz`));
  assert.equal(ready.value.status, 503);
  assert.equal(ready.value.body.error.code, "not_ready");
  assert.match(ready.value.body.error.message, /store is not reachable/);
  assert.ok(ready.ms < boundMs, `/readyz took ${ready.ms} ms`);
  assert.equal((await getJson(`${node.conductor.base}/healthz`)).status, 200, "alive all along");
}

/** 1. Refused: the port is closed and every connection cut; the leader steps down, then recovers. */
async function refusedThenRecovers(cluster: Cluster, node: ClusterNode, proxy: TcpProxy): Promise<void> {
  await proxy.refuse();
  await assertStoreUnavailable(node, 3000);
  // A leader that cannot renew gives the lease up at its deadline.
  await eventually(
    async () => ((await getJson(`${node.conductor.base}/rolez`)).body.data.role === "standby" ? true : null),
    "stepped down",
    10_000
  );
  await proxy.up();
  await eventually(
    async () => ((await getJson(`${node.conductor.base}/readyz`)).status === 200 ? true : null),
    "ready again",
    30_000
  );
  await eventually(
    async () => ((await getJson(`${node.conductor.base}/rolez`)).body.data.role === "leader" ? true : null),
    "leading again",
    30_000
  );
  const second = await cluster.createTask(node, {
    title: "after refuse",
    prompt: "after the refusal",
    cwd: cluster.workdir
  });
  await eventually(
    async () =>
      (await getJson(`${node.conductor.base}/v1/tasks/${second}`)).body.data.task.state === "succeeded"
        ? true
        : null,
    "task after recovery",
    60_000
  );
}

/** 2. The server ends this conductor's sessions (as a restart of PostgreSQL would). */
async function sessionsTerminated(schema: TestSchema, node: ClusterNode, proxy: TcpProxy): Promise<void> {
  const ports = proxy.upstreamPorts();
  assert.ok(ports.length > 0);
  const ended = await schema.query<{ ended: boolean }>(
    "select pg_terminate_backend(pid) as ended from pg_stat_activity where client_addr = '127.0.0.1' and client_port = any($1::int[])",
    [ports]
  );
  assert.ok(ended.length > 0 && ended.every((row) => row.ended));
  // The pool reconnects on the next call: a failed request at most, then work goes on.
  await eventually(
    async () =>
      (await request("POST", `${node.conductor.base}/v1/system/pause`)).status === 200 ? true : null,
    "pause after terminate",
    20_000
  );
  await eventually(
    async () =>
      (await request("POST", `${node.conductor.base}/v1/system/resume`)).status === 200 ? true : null,
    "resume after terminate",
    20_000
  );
}

/** 3. Silent: connections stay open but nothing answers. Still no hang; then recovery, logged, no leak. */
async function silentThenRecovers(cluster: Cluster, node: ClusterNode, proxy: TcpProxy): Promise<void> {
  proxy.blackhole();
  await assertStoreUnavailable(node, 5000);
  await proxy.refuse();
  await proxy.up();
  const third = await eventually(
    async () => {
      const created = await request("POST", `${node.conductor.base}/v1/tasks`, {
        title: "after silence",
        prompt: "after the silence",
        cwd: cluster.workdir
      });
      return created.status === 201 ? (created.body.data.task.taskId as string) : null;
    },
    "task accepted after the silence",
    30_000
  );
  await eventually(
    async () =>
      (await getJson(`${node.conductor.base}/v1/tasks/${third}`)).body.data.task.state === "succeeded"
        ? true
        : null,
    "task after silence",
    60_000
  );
  const logged = node.conductor
    .logLines()
    .filter((l) => l.msg === "request failed" && l.err?.code === "store_unavailable");
  assert.ok(logged.length > 0, "the failures are in the log");
  const leaks = node.conductor
    .output()
    .split("\n")
    .filter((line) => line.includes(SECRET) || line.includes("postgres:postgres"));
  assert.deepEqual(leaks.slice(0, 3), [], "no credentials in the log");
}

test("PostgreSQL refused, cut off and silent: 503 store_unavailable at once, leadership given up, and recovery when it returns", async () => {
  const proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
  const schema = testSchema("down");
  const cluster = await startCluster({
    leaseTtlMs: 1500,
    env: {
      // Trust auth ignores the password; it is there to show it never leaks.
      BAA_DATABASE_URL: `postgres://postgres:${SECRET}@127.0.0.1:${proxy.port}/test`,
      BAA_DATABASE_SCHEMA: schema.name,
      BAA_STORE_CONNECT_TIMEOUT_MS: "1000",
      BAA_STORE_QUERY_TIMEOUT_MS: "1000"
    }
  });
  try {
    const node = await cluster.addNode("node-a", "primary");
    await eventually(
      async () => ((await getJson(`${node.conductor.base}/rolez`)).body.data.role === "leader" ? true : null),
      "leading",
      30_000
    );
    const first = await cluster.createTask(node, {
      title: "before",
      prompt: "before the outage",
      cwd: cluster.workdir
    });
    await eventually(
      async () =>
        (await getJson(`${node.conductor.base}/v1/tasks/${first}`)).body.data.task.state === "succeeded"
          ? true
          : null,
      "first task",
      60_000
    );

    // 1. Refused: the port is closed and every connection cut.
    await refusedThenRecovers(cluster, node, proxy);

    // 2. The server ends this conductor's sessions (as a restart of PostgreSQL would).
    await sessionsTerminated(schema, node, proxy);

    // 3. Silent: connections stay open but nothing answers. Still no hang.
    await silentThenRecovers(cluster, node, proxy);
  } finally {
    await cluster.stop();
    await proxy.close();
    await schema.drop();
  }
});
