import assert from "node:assert/strict";
import test from "node:test";
import { startMockModel, writeCodexHome, type MockModel } from "@baa/mock-model";
import { makeTempDir } from "@baa/test-support";
import { freePort, startCodexdProcess } from "../support/codexd-process.js";
import { eventually, getJson, postJson } from "../support/http.js";
import { reportFigures } from "./support/reliability-env.js";

test("the memory watchdog: a child over BAA_CODEXD_CHILD_MAX_RSS_MB is left alone while a turn runs, restarted once idle with the reason in status and the log, and its sessions are resumed", async () => {
  const dir = makeTempDir("baa-rel-watchdog-");
  const model = await startMockModel();
  // No login shell per thread: a child killed mid-snapshot leaves this machine's pyenv rehash lock behind.
  writeCodexHome(dir.path("codex-home"), model.baseUrl, { shellSnapshot: false });
  // 1 MiB: any real codex app-server is over it, so the watchdog acts at its first idle reading.
  const codexd = await startCodexdProcess({
    port: await freePort(),
    env: {
      CODEX_HOME: dir.path("codex-home"),
      BAA_REPO_ROOT: dir.root,
      BAA_CODEXD_CHILD_MAX_RSS_MB: "1",
      BAA_CODEXD_CHILD_WATCHDOG_INTERVAL_MS: "100"
    }
  });
  const base = codexd.base;
  const child = async () => (await getJson(`${base}/v1/codexd/status`)).body.data.snapshot.daemon.child;
  const ctx: WatchdogContext = { base, model, child };
  try {
    const { sessionId, duringPid } = await phaseWaitsForTheTurn(ctx);
    const restarted = await phaseRestartedOnceIdle(ctx, sessionId, duringPid);
    await phaseUsableAfter(ctx, sessionId, restarted);
  } catch (error) {
    console.log(`codexd output:\n${codexd.output().slice(-4000)}`);
    throw error;
  } finally {
    await codexd.kill("SIGTERM");
    await model.close();
    dir.remove();
  }
});

/**
 * Still usable: a turn on the resumed session completes (the watchdog keeps restarting the
 * idle child between turns here, so a turn may meet a child that is starting: retried).
 */
function turnAfterTheRestart(base: string, sessionId: string) {
  return eventually(
    async () => {
      const t = await postJson(`${base}/v1/codexd/turn`, { sessionId, input: "after the watchdog" });
      if (t.status !== 202) return null;
      return eventually(
        async () => {
          const s = (await getJson(`${base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
          return s.activeTurn === null && s.lastTurnId === t.body.data.turnId ? s : null;
        },
        "the turn after ends",
        20_000
      ).then((s) => (s.lastTurnStatus === "completed" ? s : null));
    },
    "a turn after the watchdog restart completes",
    60_000
  );
}

interface WatchdogContext {
  base: string;
  model: MockModel;
  /** codexd's status of its child. */
  child: () => Promise<any>;
}

/** A session and a turn that streams for a while: the watchdog must wait for it. */
async function phaseWaitsForTheTurn({ base, model, child }: WatchdogContext) {
  const sessionId = await eventually(
    async () => {
      const created = await postJson(`${base}/v1/codexd/sessions`, { purpose: "watchdog" });
      return created.status === 201 ? (created.body.data.session.sessionId as string) : null;
    },
    "a session",
    30_000
  );
  model.setDefaultReply((r) => ({
    kind: "slow_text",
    text: `mock reply to: ${r.lastUserText}`,
    totalMs: r.lastUserText === "long turn" ? 1500 : 50
  }));
  const turn = await eventually(
    async () => {
      const t = await postJson(`${base}/v1/codexd/turn`, { sessionId, input: "long turn" });
      return t.status === 202 ? t : null;
    },
    "the long turn accepted",
    30_000
  );
  const duringPid = (await child()).pid;
  const waiting = await eventually(
    async () => {
      const c = await child();
      return c.watchdog?.pendingReason ? c : null;
    },
    "the watchdog waiting for the turn",
    15_000
  );
  assert.equal(waiting.pid, duringPid, "no restart under a running turn");
  assert.match(
    waiting.watchdog.pendingReason,
    /over BAA_CODEXD_CHILD_MAX_RSS_MB \(1 MiB\); restarting once no turn runs/
  );
  const ended = await eventually(
    async () => {
      const s = (await getJson(`${base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
      return s.activeTurn === null && s.lastTurnId === turn.body.data.turnId ? s : null;
    },
    "the long turn ends",
    30_000
  );
  assert.equal(ended.lastTurnStatus, "completed", "the turn ran to its end");
  return { sessionId, duringPid };
}

/** The idle child restarted by the watchdog, the reason in status and the log, the session resumed. */
async function phaseRestartedOnceIdle(
  { base, child }: WatchdogContext,
  sessionId: string,
  duringPid: number
) {
  const restarted = await eventually(
    async () => {
      const c = await child();
      return c.watchdog.restarts >= 1 && c.status === "running" && c.pid !== duringPid ? c : null;
    },
    "the idle child restarted by the watchdog",
    20_000
  );
  assert.match(
    restarted.watchdog.lastRestartReason,
    /resident memory [\d.]+ MiB is over BAA_CODEXD_CHILD_MAX_RSS_MB \(1 MiB\)/
  );
  assert.ok(restarted.watchdog.lastRssBytes > 1024 * 1024);
  const logged = (await getJson(`${base}/v1/codexd/events?type=child.watchdog_restart&limit=10`)).body.data
    .events;
  assert.ok(logged.length >= 1 && logged[0].data.rssBytes > 1024 * 1024, JSON.stringify(logged));
  const resumed = (
    await getJson(`${base}/v1/codexd/events?type=session.resumed&sessionId=${sessionId}&limit=10`)
  ).body.data.events;
  assert.ok(resumed.length >= 1, "the session was resumed on the new child");
  const session = (await getJson(`${base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
  assert.equal(session.status, "active", JSON.stringify(session));
  return restarted;
}

/** A turn completes after the restart; the restarts are in /metrics; the figures reported. */
async function phaseUsableAfter(
  { base, child }: WatchdogContext,
  sessionId: string,
  restarted: any
): Promise<void> {
  const after = await turnAfterTheRestart(base, sessionId);
  assert.equal(after.lastTurnStatus, "completed");
  const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
  const counted = Number(/^codexd_child_watchdog_restarts (\d+)$/m.exec(metrics)?.[1]);
  assert.ok(counted >= 1, "the watchdog's restarts are in /metrics");
  reportFigures("child-watchdog", {
    limitMb: 1,
    rssAtRestartMb: Math.round(restarted.watchdog.lastRssBytes / 1024 / 102.4) / 10,
    watchdogRestarts: (await child()).watchdog.restarts,
    metricsWatchdogRestarts: counted
  });
}
