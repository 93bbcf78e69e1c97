import assert from "node:assert/strict";
import test from "node:test";
import type { ClaimedRun } from "@baa/control-store";
import type { CodexdEvent } from "@baa/event-log";
import { ConductorMetrics } from "../../src/metrics/conductor-metrics.js";
import { startFakeCodexd } from "../helpers/fake-codexd.js";
import { buildApp } from "../helpers/conductor.js";

async function value(
  metrics: ConductorMetrics,
  name: string,
  labels: Record<string, string> = {}
): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((each) => each.name === name);
  assert.ok(metric, `${name} registered`);
  return (metric.values as { labels: Record<string, string | number>; value: number; metricName?: string }[])
    .filter(
      (v) =>
        (v.metricName ?? name) === name &&
        Object.entries(labels).every(([key, wanted]) => String(v.labels[key]) === wanted)
    )
    .reduce((sum, v) => sum + v.value, 0);
}

const claim = (attempt: number, createdAt: string, startedAt: string, notBefore: string | null = null) =>
  ({
    task: { taskId: `task-${attempt}`, createdAt, notBefore },
    run: { runId: `run-${attempt}`, attempt, startedAt }
  }) as unknown as ClaimedRun;

test("claims through timingClaims are timed and counted; a first run's queue wait observed; the store's other members work as before", async () => {
  let clock = 0;
  const metrics = new ConductorMetrics({ now: () => clock });
  class Store {
    readonly #secret = "kept";
    readonly kind = "sqlite";
    async claimTasks(): Promise<ClaimedRun[]> {
      clock += 40;
      return [
        claim(1, "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:02.000Z"),
        claim(2, "2026-01-01T00:00:00.000Z", "2026-01-01T00:05:00.000Z")
      ];
    }
    secret(): string {
      return this.#secret;
    }
  }
  const store = metrics.timingClaims(new Store());
  assert.equal(store.secret(), "kept", "methods run against the store itself (private fields)");
  assert.equal(store.kind, "sqlite");
  assert.equal((await store.claimTasks()).length, 2);
  assert.equal(await value(metrics, "conductor_tasks_claimed_total"), 2);
  const text = await metrics.registry.metrics();
  assert.match(text, /^conductor_claim_duration_seconds_sum 0\.04$/m);
  assert.match(text, /^conductor_task_queue_wait_seconds_count 1$/m, "only the first attempt's wait");
  assert.match(text, /^conductor_task_queue_wait_seconds_sum 2$/m);
});

test("leadership changes come from the lease keeper; term and role are read at the scrape", async () => {
  let listener: ((leading: { holder: string; term: number } | null) => void) | undefined;
  let view = { role: "standby" as "leader" | "standby", nodeId: "n", term: 0, validUntil: null };
  const metrics = new ConductorMetrics({
    lease: {
      view: () => view,
      onChange: (l) => {
        listener = l;
        return () => {
          listener = undefined;
        };
      }
    },
    system: { cached: () => ({ mode: "paused" }) as never }
  });
  assert.equal(await value(metrics, "conductor_leadership_changes_total", { role: "leader" }), 0);
  listener?.({ holder: "n", term: 3 });
  view = { ...view, role: "leader", term: 3 };
  assert.equal(await value(metrics, "conductor_leadership_changes_total", { role: "leader" }), 1);
  assert.equal(await value(metrics, "conductor_lease_term"), 3);
  assert.equal(await value(metrics, "conductor_leader"), 1);
  listener?.(null);
  assert.equal(await value(metrics, "conductor_leadership_changes_total", { role: "standby" }), 1);
  assert.equal(await value(metrics, "conductor_system_mode", { mode: "paused" }), 1);
  assert.equal(await value(metrics, "conductor_system_mode", { mode: "running" }), 0);
  metrics.close();
  assert.equal(listener, undefined, "close() stops listening to the lease");
});

test("tasks by state come from the store; a store that fails leaves them out with store_up 0, the scrape still answers", async () => {
  let fail = false;
  const warnings: unknown[] = [];
  const metrics = new ConductorMetrics({
    store: {
      countTasksByState: async () => {
        if (fail) throw new Error("store down");
        return { queued: 2, running: 1, succeeded: 5 } as never;
      }
    },
    logger: { warn: (...args: unknown[]) => warnings.push(args) } as never
  });
  assert.equal(await value(metrics, "conductor_tasks", { state: "succeeded" }), 5);
  assert.equal(await value(metrics, "conductor_store_up"), 1);
  fail = true;
  const text = await metrics.registry.metrics();
  assert.doesNotMatch(text, /^conductor_tasks\{/m);
  assert.match(text, /^conductor_store_up 0$/m);
  assert.equal(warnings.length, 1, "the failure is logged");
});

test("runs are counted and timed from the task event log", async () => {
  const metrics = new ConductorMetrics();
  let listener: ((event: CodexdEvent) => void) | undefined;
  metrics.watchEvents({
    subscribe: (l) => {
      listener = l as never;
      return () => {};
    }
  });
  const emit = (type: string, at: string, data: unknown = null) =>
    listener?.({
      seq: 1,
      type,
      at,
      sessionId: null,
      threadId: null,
      turnId: null,
      taskId: "t",
      runId: "r",
      data
    } as CodexdEvent);
  emit("run.started", "2026-01-01T00:00:00.000Z");
  emit("app-server.turn.completed", "2026-01-01T00:00:05.000Z");
  emit("run.ended", "2026-01-01T00:00:10.000Z", { state: "succeeded" });
  assert.equal(await value(metrics, "conductor_runs_total", { state: "succeeded" }), 1);
  assert.match(
    await metrics.registry.metrics(),
    /^conductor_run_duration_seconds_sum\{state="succeeded"\} 10$/m
  );
  assert.equal(await value(metrics, "conductor_events_total", { category: "run" }), 2);
  assert.equal(await value(metrics, "conductor_events_total", { category: "other" }), 1);
});

test("/metrics and /openapi.json need the token from an untrusted peer; the probes stay open", async (t) => {
  const codexd = await startFakeCodexd();
  t.after(() => codexd.close());
  const app = buildApp(codexd.baseUrl);
  t.after(() => app.close());
  const remote = "10.1.2.3";
  for (const url of ["/metrics", "/openapi.json"]) {
    assert.equal((await app.inject({ url, remoteAddress: remote })).statusCode, 401, url);
    const right = await app.inject({
      url,
      remoteAddress: remote,
      headers: { authorization: "Bearer test-token-0123456789abcdef012345" }
    });
    assert.equal(right.statusCode, 200, url);
    assert.equal((await app.inject({ url })).statusCode, 200, `${url} from loopback`);
  }
  assert.equal((await app.inject({ url: "/healthz", remoteAddress: remote })).statusCode, 200);
});
