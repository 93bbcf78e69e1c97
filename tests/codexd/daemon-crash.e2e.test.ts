import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { startMockModel, writeCodexHome } from "@baa/mock-model";
import { makeTempDir } from "@baa/test-support";
import { freePort, isAlive, startCodexdProcess } from "../support/codexd-process.js";
import { eventually, getJson, postJson } from "../support/http.js";

function readLoggedEvents(logsDir: string): { seq: number; type: string }[] {
  const files = readdirSync(logsDir)
    .filter((f) => f.startsWith("events") && f.endsWith(".jsonl"))
    .sort();
  // The active file (events.jsonl) holds the newest events; rotated segments sort before it.
  const ordered = [...files.filter((f) => f !== "events.jsonl"), "events.jsonl"].filter((f) =>
    files.includes(f)
  );
  return ordered.flatMap((f) =>
    readFileSync(join(logsDir, f), "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line))
  );
}

test("kill -9 of codexd mid-turn: on restart every session is back, the turn is interrupted, the log has no gap or duplicate", async () => {
  const dir = makeTempDir("baa-daemon-crash-");
  const model = await startMockModel();
  writeCodexHome(dir.path("codex-home"), model.baseUrl);
  const port = await freePort();
  const env = {
    CODEX_HOME: dir.path("codex-home"),
    BAA_REPO_ROOT: dir.root,
    BAA_CODEXD_STATE_DIR: dir.path("state"),
    BAA_CODEXD_LOGS_DIR: dir.path("logs")
  };
  let codexd = await startCodexdProcess({ port, env });
  try {
    const base = codexd.base;
    const ids: string[] = [];
    for (const purpose of ["one", "two"]) {
      ids.push((await postJson(`${base}/v1/codexd/sessions`, { purpose })).body.data.session.sessionId);
    }
    model.enqueue({ kind: "text", text: "done before the crash" });
    await postJson(`${base}/v1/codexd/turn`, { sessionId: ids[0], input: "finish me" });
    await eventually(async () => {
      const s = (await getJson(`${base}/v1/codexd/sessions/${ids[0]}`)).body.data.session;
      return s.lastTurnStatus === "completed" ? s : null;
    }, "turn before the crash");
    model.enqueue({ kind: "hang" });
    const hanging = await postJson(`${base}/v1/codexd/turn`, { sessionId: ids[1], input: "crash during me" });
    await model.waitForRequest((r) => r.lastUserText === "crash during me");
    const childPid = (await getJson(`${base}/v1/codexd/status`)).body.data.snapshot.daemon.child.pid;
    const lastSeqBefore = (await getJson(`${base}/v1/codexd/status`)).body.data.snapshot.recentEvents.lastSeq;

    const exit = await codexd.kill("SIGKILL");
    assert.equal(exit.signal, "SIGKILL");
    // Its child loses its stdin with it and goes too.
    await eventually(async () => (isAlive(childPid) ? null : true), "orphaned codex child to exit", 10_000);

    codexd = await startCodexdProcess({ port, env });
    const sessions = (await getJson(`${codexd.base}/v1/codexd/sessions`)).body.data.sessions;
    assert.deepEqual(sessions.map((s: any) => s.sessionId).sort(), [...ids].sort());
    assert.ok(
      sessions.every((s: any) => s.status === "active"),
      JSON.stringify(sessions.map((s: any) => [s.status, s.statusReason]))
    );
    const crashed = sessions.find((s: any) => s.sessionId === ids[1]);
    assert.equal(crashed.lastTurnStatus, "interrupted");
    assert.equal(crashed.lastTurnId, hanging.body.data.turnId);
    assert.equal(crashed.activeTurn, null);
    assert.match(crashed.lastTurnError, /codexd restarted/);

    for (const sessionId of ids) {
      model.enqueue({ kind: "text", text: `after for ${sessionId}` });
      const turn = await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId, input: "after the crash" });
      assert.equal(turn.status, 202, turn.text);
      await eventually(async () => {
        const s = (await getJson(`${codexd.base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
        return s.lastTurnStatus === "completed" && s.lastTurnId === turn.body.data.turnId ? s : null;
      }, `turn after the crash in ${sessionId}`);
    }

    const logged = readLoggedEvents(dir.path("logs"));
    const seqs = logged.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => i + 1),
      "seq 1..N, each once, in order"
    );
    assert.ok(seqs.length > lastSeqBefore);
    const interruptedEvent = logged.find(
      (e: any) => e.type === "turn.interrupted" && e.turnId === hanging.body.data.turnId
    );
    assert.ok(interruptedEvent, "the interruption is in the log");
    assert.ok(interruptedEvent!.seq > lastSeqBefore, "seq went on after the restart");
  } finally {
    await codexd.kill("SIGTERM");
    await model.close();
    dir.remove();
  }
});

test("a child command that always dies stops being restarted after the crash-loop limit, and status says why", async () => {
  const dir = makeTempDir("baa-crash-loop-");
  const port = await freePort();
  const codexd = await startCodexdProcess({
    port,
    env: {
      BAA_REPO_ROOT: dir.root,
      BAA_CODEXD_RESTART_BASE_MS: "20",
      BAA_CODEXD_RESTART_MAX_MS: "50",
      BAA_CODEXD_CRASH_LOOP_LIMIT: "3"
    },
    args: ["--server-command", "/bin/sh", "--server-arg", "-c", "--server-arg", "echo broken >&2; exit 3"]
  });
  try {
    const child = await eventually(async () => {
      const c = (await getJson(`${codexd.base}/v1/codexd/status`)).body.data.snapshot.daemon.child;
      return c.status === "failed" ? c : null;
    }, "child failed");
    assert.match(child.lastError, /crash loop/);
    assert.match(child.lastError, /exited 3 times/);
    assert.match(child.lastError, /code 3/);
    assert.equal(child.restarts, 2);
    const turn = await postJson(`${codexd.base}/v1/codexd/sessions`, {});
    assert.equal(turn.status, 503);
    assert.equal(turn.body.error.code, "child_unavailable");
    assert.equal((await getJson(`${codexd.base}/healthz`)).status, 200);
  } finally {
    await codexd.kill("SIGTERM");
    dir.remove();
  }
});

test("a second codexd on the same state dir refuses to start and names the first", async () => {
  const dir = makeTempDir("baa-two-daemons-");
  const model = await startMockModel();
  writeCodexHome(dir.path("codex-home"), model.baseUrl);
  const env = { CODEX_HOME: dir.path("codex-home"), BAA_REPO_ROOT: dir.root };
  const first = await startCodexdProcess({ port: await freePort(), env });
  try {
    await assert.rejects(startCodexdProcess({ port: await freePort(), env }), (error: Error) => {
      assert.match(error.message, new RegExp(`another codexd \\(pid ${first.process.pid}\\) is running`));
      return true;
    });
    assert.equal((await getJson(`${first.base}/healthz`)).status, 200, "the first one is untouched");
  } finally {
    await first.kill("SIGTERM");
    await model.close();
    dir.remove();
  }
});
