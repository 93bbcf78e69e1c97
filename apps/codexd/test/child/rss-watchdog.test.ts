import assert from "node:assert/strict";
import test from "node:test";
import { createSilentLogger } from "@baa/logging";
import { parseProcStatusRss, parsePsRss, rssFromProc } from "../../src/child/child-rss.js";
import { ChildWatchdog, decideWatchdog } from "../../src/child/rss-watchdog.js";

const MiB = 1024 * 1024;

test("decideWatchdog: under the limit ok; over it restart when idle, wait while a turn runs; an unknown reading is ok", () => {
  assert.deepEqual(decideWatchdog({ rssBytes: 100 * MiB, maxRssBytes: 100 * MiB, activeTurns: 0 }), {
    action: "ok"
  });
  assert.deepEqual(decideWatchdog({ rssBytes: null, maxRssBytes: 1, activeTurns: 0 }), { action: "ok" });
  const idle = decideWatchdog({ rssBytes: 150 * MiB, maxRssBytes: 100 * MiB, activeTurns: 0 });
  assert.equal(idle.action, "restart");
  assert.match(
    (idle as { reason: string }).reason,
    /150 MiB is over BAA_CODEXD_CHILD_MAX_RSS_MB \(100 MiB\)/
  );
  const busy = decideWatchdog({ rssBytes: 150 * MiB, maxRssBytes: 100 * MiB, activeTurns: 2 });
  assert.equal(busy.action, "wait_for_idle");
  assert.match((busy as { reason: string }).reason, /once no turn runs \(2 running\)/);
});

test("RSS parsing: /proc VmRSS in kB, ps rss= in kB, a gone process is null", async () => {
  assert.equal(parseProcStatusRss("Name:\tcodex\nVmRSS:\t   2048 kB\nThreads: 4\n"), 2048 * 1024);
  assert.equal(parseProcStatusRss("Name:\tzombie\n"), null);
  assert.equal(parsePsRss("  4096\n"), 4096 * 1024);
  assert.equal(parsePsRss(""), null);
  const gone = Object.assign(new Error("no such file"), { code: "ENOENT" });
  assert.equal(await rssFromProc(1, async () => Promise.reject(gone)), null);
  await assert.rejects(
    rssFromProc(1, async () => Promise.reject(Object.assign(new Error("denied"), { code: "EACCES" }))),
    /denied/
  );
});

test("ChildWatchdog: restarts an idle child over the limit once, waits while a turn runs, reports a failed reading", async () => {
  let rss: number | Error = 10 * MiB;
  let turns = 1;
  let pid = 100;
  const restarts: string[] = [];
  const watchdog = new ChildWatchdog({
    maxRssMb: 50,
    intervalMs: 1000,
    pid: () => pid,
    activeTurns: () => turns,
    readRss: async () => {
      if (rss instanceof Error) throw rss;
      return rss;
    },
    restart: async (reason) => {
      restarts.push(reason);
      pid += 1;
    },
    logger: createSilentLogger(),
    now: () => Date.parse("2026-01-01T00:00:00Z")
  });
  await watchdog.check();
  assert.equal(watchdog.state.lastRssBytes, 10 * MiB);
  assert.equal(watchdog.state.pendingReason, null);

  rss = 80 * MiB;
  await watchdog.check();
  assert.deepEqual(restarts, [], "never under a running turn");
  assert.match(watchdog.state.pendingReason ?? "", /80 MiB is over .* once no turn runs/);

  turns = 0;
  await watchdog.check();
  assert.equal(restarts.length, 1);
  assert.match(restarts[0]!, /^watchdog: codex app-server resident memory 80 MiB/);
  assert.equal(watchdog.state.restarts, 1);
  assert.equal(watchdog.state.lastRestartAt, "2026-01-01T00:00:00.000Z");
  assert.match(watchdog.state.lastRestartReason ?? "", /80 MiB/);
  assert.equal(watchdog.state.pendingReason, null);

  rss = new Error("ps not found");
  await watchdog.check();
  assert.match(watchdog.state.lastError ?? "", /could not read the child's memory: ps not found/);
  assert.equal(restarts.length, 1);
});

test("ChildWatchdog: off with maxRssMb 0 (no timer, state says null)", async () => {
  const watchdog = new ChildWatchdog({
    maxRssMb: 0,
    intervalMs: 1,
    pid: () => 1,
    activeTurns: () => 0,
    readRss: async () => {
      throw new Error("must not be read");
    },
    restart: async () => {
      throw new Error("must not restart");
    },
    logger: createSilentLogger(),
    now: Date.now
  });
  watchdog.start();
  await watchdog.check();
  assert.equal(watchdog.state.maxRssMb, null);
  assert.equal(watchdog.state.lastCheckedAt, null);
  await watchdog.stop();
});
