// Must-show 1: GET /v1/status with every source up, with codexd down, with the conductor hung,
// and with a conductor that lacks the control-plane routes. The sources are loopback fakes.
import assert from "node:assert/strict";
import test from "node:test";
import { ManualTimers } from "@baa/clock/testing";
import { makeTempDir } from "@baa/test-support";
import { pino } from "pino";
import { createStatusApp } from "../src/app.js";
import { normalizeStatusApiConfig } from "../src/config.js";
import { createHttpClient } from "../src/sources/http-client.js";
import { closedPortUrl, startFakeService, type FakeService } from "./helpers/fake-service.js";
import { codexdHandler, codexdStatusBody, fullConductor, proxyOnlyConductor } from "./helpers/fixtures.js";

// inject() sends `Host: localhost:80`; the guard accepts its own loopback names on its own port.
const INJECT_LISTEN = { localApiBase: "http://127.0.0.1:80" };

function appFor(
  conductorBase: string,
  codexdBase: string,
  extra: { sourceTimeoutMs?: number; timers?: ManualTimers } = {}
) {
  const dir = makeTempDir("status-api-test-");
  const config = normalizeStatusApiConfig({
    ...INJECT_LISTEN,
    conductorBase,
    codexdBase,
    sharedToken: "t".repeat(40),
    repoRoot: dir.root,
    sourceTimeoutMs: extra.sourceTimeoutMs ?? 2_000
  });
  const http =
    extra.timers === undefined ? undefined : createHttpClient({ clock: extra.timers, timers: extra.timers });
  const app = createStatusApp({
    config,
    ...(http === undefined ? {} : { http }),
    ...(extra.timers === undefined ? {} : { clock: extra.timers, timers: extra.timers })
  });
  return {
    app,
    close: async () => {
      await app.close();
      await http?.close();
      dir.remove();
    }
  };
}

async function withServices(
  conductor: FakeService | string,
  codexd: FakeService | string,
  fn: () => Promise<void>
) {
  try {
    await fn();
  } finally {
    if (typeof conductor !== "string") await conductor.close();
    if (typeof codexd !== "string") await codexd.close();
  }
}

test("all up: one document with identity, conductor role/mode/tasks/runs and codexd child/sessions/approvals/events", async () => {
  const conductor = await startFakeService(fullConductor);
  const codexd = await startFakeService(codexdHandler());
  await withServices(conductor, codexd, async () => {
    // The bound is not what this case tests: generous, so a busy machine (a browser test
    // starting beside it) does not turn a slow fake into a timed-out source.
    const { app, close } = appFor(conductor.url, codexd.url, { sourceTimeoutMs: 15_000 });
    try {
      const response = await app.inject({ url: "/v1/status" });
      assert.equal(response.statusCode, 200);
      const { ok, data } = response.json();
      assert.equal(ok, true);
      assert.equal(data.node.nodeId, "mini-main");
      assert.match(data.node.statusApi.version, /^\d+\.\d+\.\d+/);
      assert.equal(data.node.statusApi.nodeVersion, process.version);

      assert.equal(data.conductor.reachable, true);
      assert.equal(data.conductor.error, null);
      assert.deepEqual(data.conductor.role, {
        role: "leader",
        nodeId: "test-node",
        holder: "test-node",
        term: 3,
        expiresAt: "2026-11-26T08:00:00.000Z"
      });
      assert.equal(data.conductor.system.available, true);
      assert.equal(data.conductor.system.value.mode, "running");
      const tasks = data.conductor.tasks.value;
      assert.deepEqual(
        tasks.byState,
        {
          queued: 7,
          blocked: 0,
          running: 1,
          needs_approval: 0,
          in_review: 1,
          landing: 0,
          succeeded: 40,
          failed: 2,
          cancelled: 0,
          timed_out: 0,
          landed: 3,
          discarded: 0
        },
        "the system report's exact counts"
      );
      assert.equal(tasks.waitingOnPerson, 1, "a task in review waits on a person");
      assert.deepEqual(
        tasks.inReview.map((t: { taskId: string }) => t.taskId),
        ["task-d"]
      );
      assert.equal(tasks.complete, true);
      assert.deepEqual(data.conductor.system.value, {
        mode: "running",
        reason: null,
        changedAt: "2026-11-26T08:00:00.000Z",
        drained: false,
        claiming: true,
        running: 1,
        quotaPausedUntil: null,
        quotaReason: null,
        nodes: [
          {
            nodeId: "test-node",
            address: "http://127.0.0.1:4317",
            labels: ["gpu"],
            capacity: 2,
            running: 1,
            version: "0.1.0",
            lastSeenAt: "2026-11-26T08:00:00.000Z",
            state: "up"
          }
        ]
      });
      assert.equal(tasks.running.length, 1);
      assert.equal(tasks.running[0].taskId, "task-a");
      assert.equal(tasks.running[0].run.value.sessionId, "session-busy");
      assert.deepEqual(
        tasks.recent.map((t: { taskId: string }) => t.taskId),
        ["task-b"]
      );
      // The token went along on the protected routes.
      const seenTasks = await conductor.waitForRequest("/v1/tasks");
      assert.equal(seenTasks.headers.authorization, `Bearer ${"t".repeat(40)}`);

      assert.equal(data.codexd.reachable, true);
      assert.equal(data.codexd.service.version, "0.1.0");
      assert.equal(data.codexd.service.codexVersion, "0.125.0");
      assert.deepEqual(data.codexd.child, {
        status: "running",
        pid: 4242,
        restarts: 1,
        uptimeMs: 4_000,
        lastError: null,
        nextRestartAt: null
      });
      assert.deepEqual(
        data.codexd.sessions.map((s: { sessionId: string }) => s.sessionId),
        ["session-busy", "session-old"],
        "newest first"
      );
      const busy = data.codexd.sessions[0];
      assert.equal(busy.running, true);
      assert.equal(busy.lastTurn.status, "inProgress");
      assert.equal(busy.lastTurn.turnId, "turn-9");
      assert.deepEqual(
        busy.liveEvents.map((e: { seq: number }) => e.seq),
        [10, 12],
        "deltas are left out"
      );
      assert.equal(data.codexd.sessions[1].lastTurn.agentMessage, "hello there");
      assert.equal(data.codexd.pendingApprovals.length, 1);
      assert.equal(data.codexd.pendingApprovals[0].approvalId, "approval-1");
      assert.equal(data.codexd.pendingApprovals[0].sessionId, "session-busy");
      assert.deepEqual(
        data.codexd.recentEvents.map((e: { type: string }) => e.type),
        ["turn.accepted", "approval.requested"]
      );
    } finally {
      await close();
    }
  });
});

test("codexd down: the document still answers 200, codexd unreachable with its error, the conductor intact", async () => {
  const conductor = await startFakeService(fullConductor);
  const codexdBase = await closedPortUrl();
  await withServices(conductor, codexdBase, async () => {
    const { app, close } = appFor(conductor.url, codexdBase);
    try {
      const response = await app.inject({ url: "/v1/status" });
      assert.equal(response.statusCode, 200);
      const { data } = response.json();
      assert.equal(data.codexd.reachable, false);
      assert.equal(data.codexd.error.code, "unreachable");
      assert.match(data.codexd.error.message, /GET \/v1\/codexd\/status: connection refused/);
      assert.equal(data.codexd.child, null);
      assert.deepEqual(data.codexd.sessions, []);
      assert.equal(data.conductor.reachable, true);
      assert.equal(data.conductor.tasks.value.byState.running, 1);
    } finally {
      await close();
    }
  });
});

test("conductor hung: the document answers when its own bound fires and marks the conductor unreachable (timeout)", async () => {
  // The conductor accepts every request and never answers.
  const conductor = await startFakeService(() => {});
  const codexd = await startFakeService(codexdHandler());
  // The manual clock stays put: the remaining budget is the whole bound, so every timer is 750 ms.
  const timers = new ManualTimers();
  await withServices(conductor, codexd, async () => {
    const { app, close } = appFor(conductor.url, codexd.url, { sourceTimeoutMs: 750, timers });
    try {
      const answer = app.inject({ url: "/v1/status" });
      await Promise.all([
        conductor.waitForRequest("/rolez"),
        conductor.waitForRequest("/v1/system/state"),
        conductor.waitForRequest("/v1/tasks")
      ]);
      // Nothing answers until the bound fires; then everything does.
      await timers.waitForPending(3);
      assert.ok(
        timers.scheduled().every((ms) => ms === 750),
        `timers at the bound: ${timers.scheduled()}`
      );
      assert.ok(timers.fire(750) >= 3);
      const response = await answer;
      assert.equal(response.statusCode, 200);
      const { data } = response.json();
      assert.equal(data.conductor.reachable, false);
      assert.equal(data.conductor.error.code, "timeout");
      assert.match(data.conductor.error.message, /GET \/rolez: no answer within 750 ms/);
      assert.equal(data.conductor.system.available, false);
      assert.equal(data.conductor.tasks.available, false);
      assert.equal(data.codexd.reachable, true, "the other source is unaffected");
      assert.equal(data.sourceTimeoutMs, 750);
    } finally {
      await close();
    }
  });
});

test("conductor hung, real timers: /v1/status still answers, bounded by sourceTimeoutMs", async () => {
  const conductor = await startFakeService(() => {});
  const codexd = await startFakeService(codexdHandler());
  await withServices(conductor, codexd, async () => {
    // The bound also applies to the healthy codexd: at 200 ms a loaded machine once made it miss.
    const { app, close } = appFor(conductor.url, codexd.url, { sourceTimeoutMs: 2000 });
    try {
      const { data } = (await app.inject({ url: "/v1/status" })).json();
      assert.equal(data.conductor.reachable, false);
      assert.equal(data.conductor.error.code, "timeout");
      // Node's timer and Date.now() round differently: a 2000 ms timer can read as 1999 ms.
      assert.ok(
        data.conductor.latencyMs >= 1990,
        `gave up at its bound, not before (${data.conductor.latencyMs} ms)`
      );
      assert.equal(data.codexd.reachable, true);
    } finally {
      await close();
    }
  });
});

test("a conductor without the control-plane routes: reachable, with system and tasks marked route_not_found", async () => {
  const conductor = await startFakeService(proxyOnlyConductor);
  const codexd = await startFakeService(
    codexdHandler(codexdStatusBody({ childStatus: "restarting", restarts: 3 }))
  );
  await withServices(conductor, codexd, async () => {
    const { app, close } = appFor(conductor.url, codexd.url);
    try {
      const { data } = (await app.inject({ url: "/v1/status" })).json();
      assert.equal(data.conductor.reachable, true);
      assert.equal(data.conductor.role.role, "leader");
      assert.equal(data.conductor.role.term, 1, "leaseTerm is read as the term");
      assert.equal(data.conductor.system.available, false);
      assert.equal(data.conductor.system.error.code, "route_not_found");
      assert.equal(data.conductor.tasks.error.code, "route_not_found");
      assert.equal(data.codexd.child.status, "restarting");
      assert.equal(data.codexd.child.restarts, 3);
    } finally {
      await close();
    }
  });
});

test("both down: still one 200 document, each source with its own error", async () => {
  const [conductorBase, codexdBase] = [await closedPortUrl(), await closedPortUrl()];
  const { app, close } = appFor(conductorBase, codexdBase);
  try {
    const response = await app.inject({ url: "/v1/status" });
    assert.equal(response.statusCode, 200);
    const { data } = response.json();
    assert.equal(data.conductor.reachable, false);
    assert.equal(data.conductor.error.code, "unreachable");
    assert.equal(data.codexd.reachable, false);
    assert.equal(data.codexd.error.code, "unreachable");
  } finally {
    await close();
  }
});

test("codexd answering something that is not a status document is unreachable as bad_response", async () => {
  const conductor = await startFakeService(fullConductor);
  const codexd = await startFakeService(codexdHandler({ ok: true, data: { hello: "world" } }));
  await withServices(conductor, codexd, async () => {
    const { app, close } = appFor(conductor.url, codexd.url);
    try {
      const { data } = (await app.inject({ url: "/v1/status" })).json();
      assert.equal(data.codexd.reachable, false);
      assert.equal(data.codexd.error.code, "bad_response");
    } finally {
      await close();
    }
  });
});

test("a source going away and coming back is logged once each way, not on every refresh", async () => {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  let codexdUp = false;
  const conductor = await startFakeService(fullConductor);
  const codexd = await startFakeService((request, res) => {
    if (!codexdUp) {
      res.socket?.destroy();
      return;
    }
    codexdHandler()(request, res);
  });
  const dir = makeTempDir("status-api-log-");
  const app = createStatusApp({
    config: normalizeStatusApiConfig({
      ...INJECT_LISTEN,
      conductorBase: conductor.url,
      codexdBase: codexd.url,
      repoRoot: dir.root
    }),
    logger
  });
  try {
    for (let i = 0; i < 3; i++)
      assert.equal((await app.inject({ url: "/v1/status" })).json().data.codexd.reachable, false);
    codexdUp = true;
    for (let i = 0; i < 2; i++)
      assert.equal((await app.inject({ url: "/v1/status" })).json().data.codexd.reachable, true);
    const notes = lines.filter((line) => line.source !== undefined).map((line) => [line.source, line.msg]);
    assert.deepEqual(notes, [
      ["codexd", "source unreachable"],
      ["codexd", "source reachable again"]
    ]);
  } finally {
    await app.close();
    await conductor.close();
    await codexd.close();
    dir.remove();
  }
});
