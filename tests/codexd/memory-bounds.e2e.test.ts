import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import test, { type TestContext } from "node:test";
import { startMockModel, writeCodexHome, type MockModel } from "@baa/mock-model";
import { makeTempDir } from "@baa/test-support";
import { startCodexdProcess, freePort } from "../support/codexd-process.js";
import { openEventSocket, type EventSocket } from "../support/event-socket.js";
import { getJson, postJson } from "../support/http.js";

// Must show: six turns of 2 MiB replies each, streamed with a subscriber attached, grow
// codexd's RSS by less than 100 MiB, and no state file exceeds its byte budget. codexd runs as
// its own process (as launchd/systemd runs it), so the RSS measured is codexd's alone.

const MiB = 1024 * 1024;
const REPLY_BYTES = 2 * MiB;
const TURNS = 6;
// codexd's defaults (docs/runtime/codexd.md, "Bounded by bytes"); the small fixed-shape files
// (daemon state, identity, run registry) are held to 64 KiB.
const BUDGETS: Record<string, number> = {
  "session-registry.json": 8 * MiB,
  "recent-events.json": 4 * MiB + 128,
  "approvals.json": 4 * MiB,
  "daemon-state.json": 64 * 1024,
  "identity.json": 64 * 1024,
  "run-registry.json": 64 * 1024
};

function procStatusKiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  assert.ok(match, `${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

// Linux resets the peak (VmHWM) to the current RSS on "5" (proc(5), clear_refs); not everywhere allowed.
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** A reply of distinct lines, not one repeated byte, so nothing along the way compresses it away. */
function longReply(): string {
  const line = "The quick brown fox jumps over the lazy dog, again and again, in reply number ";
  let reply = "";
  for (let i = 0; reply.length < REPLY_BYTES; i += 1) reply += `${line}${i}.\n`;
  return reply.slice(0, REPLY_BYTES);
}

/** TURNS turns asking for the long reply, one after another, each seen completed on the socket. */
async function longTurns(base: string, sessionId: string, socket: EventSocket): Promise<void> {
  for (let turn = 1; turn <= TURNS; turn += 1) {
    const accepted = await postJson(`${base}/v1/codexd/turn`, {
      sessionId,
      input: `turn ${turn}: a long answer, please`
    });
    assert.equal(accepted.status, 202, accepted.text);
    const done = await socket.waitFor(
      (e) => e.type === "app-server.turn.completed" && e.turnId === accepted.body.data.turnId,
      `turn ${turn} completed`,
      120_000
    );
    assert.equal(done.data.turn.status, "completed", JSON.stringify(done.data.turn));
  }
}

/** The session keeps a cut copy that names the seq holding the whole reply; the event log holds it whole. */
async function assertReplyKeptWhole(base: string, sessionId: string, reply: string): Promise<void> {
  const read = (await getJson(`${base}/v1/codexd/sessions/${sessionId}`)).body.data;
  assert.ok(read.session.lastAgentMessage.length < 20 * 1024);
  assert.match(
    read.session.lastAgentMessage,
    new RegExp(`whole in event seq ${read.session.lastAgentMessageSeq} of the event log`)
  );
  const whole = (
    await getJson(`${base}/v1/codexd/events?after=${read.session.lastAgentMessageSeq - 1}&limit=1`)
  ).body.data.events[0];
  assert.equal(whole.data.item.text, reply, "the event log holds the reply whole");
}

/** One small turn first, so the child, the JIT and the buffers are warm before the baseline. */
async function warmUp(model: MockModel, base: string, sessionId: string, socket: EventSocket): Promise<void> {
  model.enqueue({ kind: "text", text: "warm" });
  const warm = await postJson(`${base}/v1/codexd/turn`, { sessionId, input: "warm up" });
  assert.equal(warm.status, 202, warm.text);
  await socket.waitFor(
    (e) => e.type === "app-server.turn.completed" && e.turnId === warm.body.data.turnId,
    "warm-up turn",
    60_000
  );
}

interface RssMeasure {
  baselineKiB: number;
  peakKiB: number;
  afterKiB: number;
  peakReset: boolean;
  growthMiB: number;
}

/** The long turns, with codexd's RSS read before, sampled during (its peak where Linux allows) and after. */
async function measureLongTurns(
  pid: number,
  base: string,
  sessionId: string,
  socket: EventSocket
): Promise<RssMeasure> {
  const baselineKiB = procStatusKiB(pid, "VmRSS");
  const peakReset = resetPeak(pid);
  let sampledPeakKiB = baselineKiB;
  const sampler = setInterval(() => {
    sampledPeakKiB = Math.max(sampledPeakKiB, procStatusKiB(pid, "VmRSS"));
  }, 20);
  try {
    await longTurns(base, sessionId, socket);
  } finally {
    clearInterval(sampler);
  }
  const peakKiB = Math.max(sampledPeakKiB, peakReset ? procStatusKiB(pid, "VmHWM") : 0);
  const afterKiB = procStatusKiB(pid, "VmRSS");
  return { baselineKiB, peakKiB, afterKiB, peakReset, growthMiB: (peakKiB - baselineKiB) / 1024 };
}

/** Says the RSS and the state files' sizes, then holds each file to its budget and the growth to 100 MiB. */
function reportAndCheckBudgets(t: TestContext, stateDir: string, rss: RssMeasure): void {
  const { baselineKiB, peakKiB, afterKiB, peakReset, growthMiB } = rss;
  const files = readdirSync(stateDir).filter((name) => name.endsWith(".json"));
  const sizes = files.map((name) => ({
    name,
    bytes: statSync(`${stateDir}/${name}`).size,
    budget: BUDGETS[name]
  }));
  const summary = [
    `codexd RSS: baseline ${(baselineKiB / 1024).toFixed(1)} MiB, peak ${(peakKiB / 1024).toFixed(1)} MiB (${peakReset ? "VmHWM and sampling" : "sampling"}), after ${(afterKiB / 1024).toFixed(1)} MiB; growth ${growthMiB.toFixed(1)} MiB (limit 100 MiB)`,
    `state files: ${sizes.map((f) => `${f.name} ${(f.bytes / 1024).toFixed(1)} KiB / budget ${((f.budget ?? 0) / 1024).toFixed(0)} KiB`).join(", ")}`
  ];
  for (const line of summary) {
    t.diagnostic(line);
    console.log(line);
  }
  for (const file of sizes) {
    assert.ok(file.budget !== undefined, `${file.name} has a budget in this test`);
    assert.ok(
      file.bytes <= (file.budget as number),
      `${file.name}: ${file.bytes} bytes > budget ${file.budget}`
    );
  }
  assert.ok(growthMiB < 100, `codexd RSS grew by ${growthMiB.toFixed(1)} MiB`);
}

test("6 turns of 2 MiB replies with a subscriber: codexd RSS grows < 100 MiB, state files within budget", {
  skip: process.platform !== "linux" && "reads /proc"
}, async (t) => {
  const dir = makeTempDir("baa-membound-");
  const reply = longReply();
  const model = await startMockModel({ defaultReply: () => ({ kind: "text", text: reply, chunks: 64 }) });
  let codexd: Awaited<ReturnType<typeof startCodexdProcess>> | undefined;
  try {
    const codexHome = dir.path("codex-home");
    writeCodexHome(codexHome, model.baseUrl);
    const stateDir = dir.path("state");
    codexd = await startCodexdProcess({
      port: await freePort(),
      env: { CODEX_HOME: codexHome, BAA_CODEXD_LOG_LEVEL: "warn" },
      args: ["--repo-root", dir.root, "--state-dir", stateDir, "--logs-dir", dir.path("logs")]
    });
    const pid = codexd.process.pid as number;
    const base = codexd.base;
    const created = await postJson(`${base}/v1/codexd/sessions`, {});
    assert.equal(created.status, 201, created.text);
    const sessionId = created.body.data.session.sessionId as string;
    const socket = await openEventSocket(`${base.replace(/^http/, "ws")}/v1/codexd/events`);

    await warmUp(model, base, sessionId, socket);
    const rss = await measureLongTurns(pid, base, sessionId, socket);

    // The subscriber got every reply whole (the stream sends live events whole) and was not cut off.
    const completedItems = socket.events.filter(
      (e) =>
        e.type === "app-server.item.completed" &&
        e.data?.item?.type === "agentMessage" &&
        e.data.item.text.length === REPLY_BYTES
    );
    assert.equal(completedItems.length, TURNS, "every 2 MiB reply reached the subscriber whole");

    await assertReplyKeptWhole(base, sessionId, reply);

    const status = (await getJson(`${base}/v1/codexd/status`)).body.data;
    assert.equal(status.health.status, "ok");
    reportAndCheckBudgets(t, stateDir, rss);
    socket.close();
    const closed = await socket.closed;
    assert.notEqual(closed.code, 4008, "the subscriber was never cut off as a slow consumer");
  } finally {
    await codexd?.kill("SIGTERM");
    await model.close();
    dir.remove();
  }
});
