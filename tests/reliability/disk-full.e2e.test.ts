import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import { FaultInjectingFs } from "../../packages/state-files/dist/testing/index.js";
import { eventually, getJson, postJson } from "../support/http.js";
import { startRealStack } from "../support/real-stack.js";
import { readEventLogWithTorn } from "./support/invariants.js";
import { reportFigures } from "./support/reliability-env.js";

/** A 4 MiB tmpfs at `path` when this process may mount (root on Linux); else null. */
function mountSmallTmpfs(path: string): (() => void) | null {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return null;
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", path], { stdio: "pipe" });
  } catch {
    return null;
  }
  return () => execFileSync("umount", ["-l", path], { stdio: "pipe" });
}

/** Writes until the file system is full; returns the filler's path. */
function fillUp(dir: string): string {
  const filler = join(dir, "filler.bin");
  const chunk = Buffer.alloc(64 * 1024, 1);
  let written = 0;
  try {
    for (;;) {
      writeFileSync(filler, chunk, { flag: "a" });
      written += chunk.length;
      if (written > 64 * 1024 * 1024)
        throw new Error("the log directory never filled up: not a small file system");
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  }
  return filler;
}

/** More work meanwhile: each request either answers saved (2xx) or 503 state_write_failed; the lists record which. */
async function moreWorkOnAFullDisk(
  base: string,
  seen: { createdSessions: string[]; accepted: string[]; refused: string[] }
): Promise<void> {
  const { createdSessions, accepted, refused } = seen;
  for (let i = 0; i < 4; i++) {
    const session = await postJson(`${base}/v1/codexd/sessions`, { purpose: `disk ${i}` });
    assert.ok(
      session.status === 201 || (session.status === 503 && session.body.error.code === "state_write_failed"),
      session.text
    );
    if (session.status === 201) createdSessions.push(session.body.data.session.sessionId);
    const sessionId = createdSessions.at(-1)!;
    await eventually(
      async () => {
        const s = (await getJson(`${base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
        return s.activeTurn === null ? s : null;
      },
      "no turn running on the session",
      30_000
    );
    const turn = await postJson(`${base}/v1/codexd/turn`, { sessionId, input: `turn ${i} on a full disk` });
    assert.ok(
      turn.status === 202 || (turn.status === 503 && turn.body.error.code === "state_write_failed"),
      turn.text
    );
    if (turn.status === 202) accepted.push(turn.body.data.turnId);
    else refused.push(sessionId);
  }
}

async function noTurnLeftRunning(base: string, sessionIds: string[]): Promise<void> {
  for (const sessionId of sessionIds) {
    await eventually(
      async () => {
        const s = (await getJson(`${base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
        return s.activeTurn === null && s.lastTurnStatus !== "inProgress" ? s : null;
      },
      `no turn left running on ${sessionId}`,
      30_000
    ).catch(async (error) => {
      const s = (await getJson(`${base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
      throw new Error(
        `${(error as Error).message}: ${JSON.stringify({ activeTurn: s.activeTurn, lastTurnStatus: s.lastTurnStatus, lastTurnId: s.lastTurnId, lastTurnError: s.lastTurnError })}`
      );
    });
  }
}

interface DiskRun {
  logsRoot: string;
  mode: string;
  first: string;
  accepted: string[];
  refused: string[];
  createdSessions: string[];
}

/**
 * Once space returned, the event log holds everything answered as saved: seqs unique and
 * increasing, every accepted turn and created session in it, a gap or torn line only where an
 * event was reported lost. Figures reported.
 */
function checkTheLog(run: DiskRun, degraded: { reasons: string[] }, healthy: any): void {
  const { logsRoot, mode, first, accepted, refused, createdSessions } = run;
  const { events: logged, torn } = readEventLogWithTorn(logsRoot);
  const seqs = logged.map((e) => e.seq);
  assert.equal(new Set(seqs).size, seqs.length, "no seq written twice");
  assert.ok(
    seqs.every((s, i) => i === 0 || s > seqs[i - 1]!),
    "seqs increase"
  );
  for (const turnId of accepted) {
    assert.ok(
      logged.some((e) => e.type === "turn.accepted" && e.turnId === turnId),
      `turn ${turnId} was answered 202 but is not in the log`
    );
  }
  for (const sessionId of createdSessions) {
    assert.ok(
      logged.some((e) => e.type === "session.created" && e.sessionId === sessionId) || sessionId === first,
      `session ${sessionId} was answered 201 but is not in the log`
    );
  }
  const gaps = seqs.slice(1).reduce((sum, s, i) => sum + (s - seqs[i]! - 1), 0);
  reportFigures("disk-full", {
    mode,
    accepted: accepted.length,
    refused: refused.length,
    sessionsCreated: createdSessions.length,
    degradedReasons: degraded.reasons.length,
    eventsLogged: seqs.length,
    seqGaps: gaps,
    tornLines: torn.length,
    unwrittenEvents: healthy.unwrittenEvents
  });
  // A gap is only an event reported lost (never one claimed saved).
  assert.ok(
    gaps <= (healthy.unwrittenEvents?.lost ?? 0),
    `${gaps} seqs missing but ${healthy.unwrittenEvents?.lost} reported lost`
  );
  // A line the full disk cut short was written again whole (or is counted lost).
  for (const cut of torn) {
    assert.ok(
      cut.seq === null || seqs.includes(cut.seq) || (healthy.unwrittenEvents?.lost ?? 0) > 0,
      `torn seq ${cut.seq} never written whole`
    );
  }
}

test("the log directory fills up mid-run (a 4 MiB tmpfs, or injected ENOSPC where mounting is not allowed): no crash, status degraded, nothing reported saved that is not, recovery when space returns", async () => {
  const logs = makeTempDir("baa-rel-disk-");
  const unmount = mountSmallTmpfs(logs.root);
  const fs = unmount === null ? new FaultInjectingFs() : undefined;
  const stack = await startRealStack({
    codexd: { logsDir: logs.root },
    ...(fs === undefined ? {} : { codexdDeps: { stateFs: fs } })
  });
  let filler: string | undefined;
  try {
    const base = stack.codexdBase;
    const first = (await postJson(`${base}/v1/codexd/sessions`, { purpose: "disk" })).body.data.session
      .sessionId as string;
    const accepted: string[] = [];
    const refused: string[] = [];
    const createdSessions = [first];
    // A turn streaming while the disk fills up.
    stack.model.setDefaultReply((r) => ({
      kind: "slow_text",
      text: `mock reply to: ${r.lastUserText} `.repeat(20),
      totalMs: 600
    }));
    const streaming = await postJson(`${base}/v1/codexd/turn`, {
      sessionId: first,
      input: "while the disk fills"
    });
    assert.equal(streaming.status, 202, streaming.text);
    accepted.push(streaming.body.data.turnId);
    await stack.model.waitForRequest((r) => r.lastUserText === "while the disk fills");
    if (fs !== undefined) fs.failWrites("ENOSPC");
    else filler = fillUp(logs.root);

    await moreWorkOnAFullDisk(base, { createdSessions, accepted, refused });
    const degraded = await eventually(
      async () => {
        const h = (await getJson(`${base}/v1/codexd/status`)).body.data.health;
        return h.status === "degraded" ? h : null;
      },
      "status degraded",
      20_000
    );
    assert.ok(
      degraded.reasons.some((r: string) => /ENOSPC/.test(r)),
      degraded.reasons.join("\n")
    );
    assert.equal((await getJson(`${base}/healthz`)).status, 200, "codexd still answers");

    // Space returns: status recovers and what was answered as saved is in the log.
    if (fs !== undefined) fs.heal();
    else rmSync(filler!);
    filler = undefined;
    const healthy = await eventually(
      async () => {
        const h = (await getJson(`${base}/v1/codexd/status`)).body.data.health;
        return h.status === "ok" ? h : null;
      },
      "status ok again",
      30_000
    );
    await stack.codexd.stateSettled();
    const mode = fs === undefined ? "tmpfs 4 MiB" : "injected ENOSPC (cannot mount here)";
    checkTheLog({ logsRoot: logs.root, mode, first, accepted, refused, createdSessions }, degraded, healthy);
    // Afterwards no turn is left running and a turn runs normally.
    await noTurnLeftRunning(base, createdSessions);
    const after = await postJson(`${base}/v1/codexd/turn`, {
      sessionId: first,
      input: "after the disk recovered"
    });
    assert.equal(after.status, 202, after.text);
  } finally {
    if (filler !== undefined) rmSync(filler, { force: true });
    await stack.stop();
    unmount?.();
    logs.remove();
  }
});
