import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";
import WebSocket from "ws";
import { startMockModel, writeCodexHome } from "@baa/mock-model";
import { makeTempDir } from "@baa/test-support";
import { freePort, startCodexdProcess } from "../support/codexd-process.js";
import { openEventSocket } from "../support/event-socket.js";
import { eventually, getJson, postJson } from "../support/http.js";
import { startRealStack } from "../support/real-stack.js";

async function runTurn(base: string, prefix: string, sessionId: string, input: string): Promise<string> {
  const turn = await postJson(`${base}${prefix}/turn`, { sessionId, input });
  assert.equal(turn.status, 202, turn.text);
  await eventually(async () => {
    const s = (await getJson(`${base}${prefix}/sessions/${sessionId}`)).body.data.session;
    return s.lastTurnStatus === "completed" && s.lastTurnId === turn.body.data.turnId ? true : null;
  }, `turn ${input}`);
  return turn.body.data.turnId;
}

test("a client that reconnects with after= gets exactly the events it missed, in order, then live ones", async () => {
  const stack = await startRealStack();
  try {
    const base = stack.conductorBase;
    const ws = base.replace(/^http/, "ws");
    const sessionId = (await postJson(`${base}/v1/codex/sessions`, {})).body.data.session.sessionId;
    const first = await openEventSocket(`${ws}/v1/codex/events?sessionId=${sessionId}`);
    const turn1 = await runTurn(base, "/v1/codex", sessionId, "one");
    await first.waitFor((e) => e.type === "app-server.turn.completed" && e.turnId === turn1, "turn one live");
    const lastSeen = first.events.at(-1).seq;
    first.close();
    await first.closed;

    const turn2 = await runTurn(base, "/v1/codex", sessionId, "two while away");
    const missed = (
      await getJson(`${base}/v1/codex/events?sessionId=${sessionId}&after=${lastSeen}&limit=1000`)
    ).body.data.events;
    assert.ok(
      missed.some((e: any) => e.turnId === turn2),
      "the log has the missed turn"
    );

    const again = await openEventSocket(`${ws}/v1/codex/events?sessionId=${sessionId}&after=${lastSeen}`);
    await again.waitFor((e) => e.seq === missed.at(-1).seq, "replay of the missed events");
    assert.deepEqual(
      again.events.slice(0, missed.length).map((e) => e.seq),
      missed.map((e: any) => e.seq),
      "exactly the missed events, in order"
    );
    const turn3 = await runTurn(base, "/v1/codex", sessionId, "three, live");
    await again.waitFor(
      (e) => e.type === "app-server.turn.completed" && e.turnId === turn3,
      "live after replay"
    );
    const seqs = again.events.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      [...new Set(seqs)].sort((a, b) => a - b),
      "no duplicate, increasing"
    );
    assert.ok(seqs[0] > lastSeen);
    again.close();
  } finally {
    await stack.stop();
  }
});

function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(line?.match(/\d+/)?.[0] ?? 0);
}

test("a client that never reads is cut off with 4008 and codexd's memory stays bounded", {
  skip: process.platform !== "linux"
}, async (t) => {
  const dir = makeTempDir("baa-slow-client-");
  const model = await startMockModel();
  writeCodexHome(dir.path("codex-home"), model.baseUrl);
  const codexd = await startCodexdProcess({
    port: await freePort(),
    env: {
      CODEX_HOME: dir.path("codex-home"),
      BAA_REPO_ROOT: dir.root,
      BAA_CODEXD_STREAM_MAX_BUFFERED_BYTES: String(1024 * 1024)
    }
  });
  try {
    const pid = codexd.process.pid!;
    const sessionId = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    await runTurn(codexd.base, "/v1/codexd", sessionId, "warm up");
    const before = rssKiB(pid);
    const slow = new WebSocket(`${codexd.base.replace(/^http/, "ws")}/v1/codexd/events`);
    await new Promise((resolve, reject) => {
      slow.once("open", resolve);
      slow.once("error", reject);
    });
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      slow.once("close", (code, reason) => resolve({ code, reason: String(reason) }))
    );
    model.setDefaultReply(() => ({ kind: "text", text: "y".repeat(256 * 1024), chunks: 256 }));
    // Each turn records about 1 MiB of events: several times the 1 MiB bound, and more than the
    // kernel's socket buffers hold, so the unread backlog must hit the bound.
    let peak = before;
    const turns = 12;
    for (let i = 0; i < turns; i += 1) {
      await runTurn(codexd.base, "/v1/codexd", sessionId, `flood ${i}`);
      peak = Math.max(peak, rssKiB(pid));
    }
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    const close = await closed;
    assert.equal(close.code, 4008);
    assert.match(close.reason, /too slow/);
    // codexd keeps serving everyone else.
    assert.equal((await getJson(`${codexd.base}/healthz`)).status, 200);
    const growthMiB = (peak - before) / 1024;
    t.diagnostic(
      `codexd RSS ${Math.round(before / 1024)} MiB before, peak ${Math.round(peak / 1024)} MiB over ${turns} turns of ~1 MiB of events each (+${growthMiB.toFixed(1)} MiB)`
    );
    assert.ok(growthMiB < 150, `RSS grew ${growthMiB.toFixed(1)} MiB`);
  } finally {
    await codexd.kill("SIGTERM");
    await model.close();
    dir.remove();
  }
});
