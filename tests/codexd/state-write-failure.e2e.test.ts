import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import test from "node:test";
import { FaultInjectingFs } from "../../packages/state-files/dist/testing/index.js";
import { openEventSocket, type EventSocket } from "../support/event-socket.js";
import { getJson, postJson } from "../support/http.js";
import { startRealStack, type RealStack } from "../support/real-stack.js";

// Must show: a state write failing with ENOSPC makes the request that depends on it fail with
// 503 state_write_failed, status says degraded, nothing is reported saved that is not; once
// space returns, writes and status recover. Through the real codex app-server.

const sessionIds = (path: string): string[] =>
  (JSON.parse(readFileSync(path, "utf8")) as { sessions: { sessionId: string }[] }).sessions.map(
    (s) => s.sessionId
  );

/** A turn that asks for approval before running a command, so an answer is pending: its approval id. */
async function pendingApproval(stack: RealStack, sessionId: string, socket: EventSocket): Promise<string> {
  const base = stack.codexdBase;
  const file = stack.dir.path("repo", "approved.txt");
  const toolCall = { cmd: `touch ${file}`, workdir: stack.dir.path("repo") };
  stack.model.enqueue({ kind: "tool_call", arguments: toolCall });
  stack.model.setDefaultReply(() => ({ kind: "text", text: "done after the approval" }));
  const turn = await postJson(`${base}/v1/codexd/turn`, { sessionId, input: "please touch the file" });
  assert.equal(turn.status, 202, turn.text);
  const requested = await socket.waitFor((e) => e.type === "approval.requested", "approval requested");
  return requested.data.approval.approvalId as string;
}

/** Disk full: the answer and a new session get 503, nothing is reported saved, status is degraded. */
async function refusedWhileFull(base: string, sessionId: string, approvalId: string): Promise<void> {
  const refusedAnswer = await postJson(`${base}/v1/codexd/approvals/${approvalId}`, { decision: "accept" });
  assert.equal(refusedAnswer.status, 503, refusedAnswer.text);
  assert.equal(refusedAnswer.body.error.code, "state_write_failed");
  assert.match(refusedAnswer.body.error.message, /approvals\.json.*ENOSPC/);
  assert.equal(refusedAnswer.headers.get("retry-after"), "5");
  const approvalsUrl = `${base}/v1/codexd/approvals?sessionId=${sessionId}`;
  const stillPending = (await getJson(approvalsUrl)).body.data.approvals;
  assert.equal(
    stillPending.find((a: { approvalId: string }) => a.approvalId === approvalId).status,
    "pending",
    "not reported answered"
  );

  const refusedSession = await postJson(`${base}/v1/codexd/sessions`, {});
  assert.equal(refusedSession.status, 503, refusedSession.text);
  assert.equal(refusedSession.body.error.code, "state_write_failed");
  const listed = (await getJson(`${base}/v1/codexd/sessions`)).body.data.sessions as { sessionId: string }[];
  assert.deepEqual(
    listed.map((s) => s.sessionId),
    [sessionId],
    "no session reported that is not saved"
  );

  const status = (await getJson(`${base}/v1/codexd/status`)).body.data;
  assert.equal(status.health.status, "degraded");
  assert.ok(status.health.failing.some((f: { code: string }) => f.code === "ENOSPC"));
  assert.ok(
    status.health.reasons.some((r: string) => /cannot be written: ENOSPC/.test(r)),
    status.health.reasons.join("\n")
  );
}

test("ENOSPC on the state files (injected): session create, turn and approval answer get 503; status degraded; all recover", async () => {
  const fs = new FaultInjectingFs();
  const stack = await startRealStack({ codexdDeps: { stateFs: fs } });
  try {
    const base = stack.codexdBase;
    const registryPath = stack.dir.path("state", "session-registry.json");
    const before = await postJson(`${base}/v1/codexd/sessions`, {
      approvalPolicy: "untrusted",
      sandbox: "workspace-write"
    });
    assert.equal(before.status, 201, before.text);
    const sessionId = before.body.data.session.sessionId as string;
    const socket = await openEventSocket(
      `${base.replace(/^http/, "ws")}/v1/codexd/events?sessionId=${sessionId}`
    );

    // A turn that asks for approval before running a command, so an answer is pending below.
    const approvalId = await pendingApproval(stack, sessionId, socket);

    // The disk fills up: every state write and log append now fails with ENOSPC.
    fs.failWrites("ENOSPC");

    await refusedWhileFull(base, sessionId, approvalId);

    // Space returns: the same requests succeed, the failing files are written, status is ok.
    fs.heal();
    const answered = await postJson(`${base}/v1/codexd/approvals/${approvalId}`, { decision: "accept" });
    assert.equal(answered.status, 200, answered.text);
    await socket.waitFor((e) => e.type === "app-server.turn.completed", "the approved turn completes");
    const created = await postJson(`${base}/v1/codexd/sessions`, {});
    assert.equal(created.status, 201, created.text);
    const recovered = (await getJson(`${base}/v1/codexd/status`)).body.data;
    assert.equal(recovered.health.status, "ok", JSON.stringify(recovered.health));
    assert.deepEqual(recovered.health.failing, []);
    assert.deepEqual(
      sessionIds(registryPath).sort(),
      [sessionId, created.body.data.session.sessionId].sort(),
      "the registry on disk holds exactly the sessions reported"
    );
    const approvals = JSON.parse(readFileSync(stack.dir.path("state", "approvals.json"), "utf8"))
      .approvals as { approvalId: string; status: string }[];
    assert.equal(approvals.find((a) => a.approvalId === approvalId)?.status, "answered");
    assert.ok(fs.refused > 0);
    socket.close();
  } finally {
    await stack.stop();
  }
});

test("ENOSPC on the event log (injected): an accepted turn that cannot be logged is refused with 503 and interrupted", async () => {
  const fs = new FaultInjectingFs();
  const stack = await startRealStack({ codexdDeps: { stateFs: fs } });
  try {
    const base = stack.codexdBase;
    const created = await postJson(`${base}/v1/codexd/sessions`, {});
    assert.equal(created.status, 201, created.text);
    const sessionId = created.body.data.session.sessionId as string;
    // Only the event log fails: the turn/start goes through, its turn.accepted cannot be logged.
    fs.failWrites("ENOSPC", (path) => path.endsWith(".jsonl"));
    const refused = await postJson(`${base}/v1/codexd/turn`, { sessionId, input: "hello" });
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.body.error.code, "state_write_failed");
    assert.match(refused.body.error.message, /events\.jsonl/);
    const degraded = (await getJson(`${base}/v1/codexd/status`)).body.data.health;
    assert.equal(degraded.status, "degraded");
    assert.ok(degraded.unwrittenEvents.waiting > 0, "events wait in memory for the disk");
    fs.heal();
    const turn = await postJson(`${base}/v1/codexd/turn`, { sessionId, input: "hello again" });
    assert.equal(turn.status, 202, turn.text);
    const health = (await getJson(`${base}/v1/codexd/status`)).body.data.health;
    assert.equal(health.status, "ok");
    assert.deepEqual(health.unwrittenEvents, { waiting: 0, lost: 0 });
    // Everything that waited is in the log now, in order, the refused turn's interruption included.
    const page = (await getJson(`${base}/v1/codexd/events?sessionId=${sessionId}&limit=1000`)).body.data;
    const types = page.events.map((e: { type: string }) => e.type);
    assert.ok(types.includes("turn.interrupted"), types.join(","));
    const seqs = page.events.map((e: { seq: number }) => e.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b)
    );
  } finally {
    await stack.stop();
  }
});

// A real full file system, where the machine allows mounting one (root, Linux).
function mountTinyTmpfs(dir: string): boolean {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

test("ENOSPC from a real full tmpfs state dir: 503 while full, recovery once space is freed", async (t) => {
  const probe = `/tmp/baa-tmpfs-probe-${process.pid}`;
  const mountable = mountTinyTmpfs(probe);
  if (mountable) execFileSync("umount", [probe]);
  rmSync(probe, { recursive: true, force: true });
  if (!mountable) {
    t.skip(
      "cannot mount a tmpfs here (needs root on Linux); the injected-fs tests above cover the same paths"
    );
    return;
  }
  const stack = await startRealStack();
  const stateMount = stack.dir.path("full-state");
  try {
    // A second codexd whose state dir is a 1 MiB tmpfs; the first one is only the model's host.
    assert.ok(mountTinyTmpfs(stateMount));
    const { CodexdLocalService, resolveCodexdConfig } = await import("../../apps/codexd/dist/index.js");
    const codexd = new CodexdLocalService(
      resolveCodexdConfig({
        env: {},
        repoRoot: stack.dir.path("repo"),
        logsDir: stack.dir.path("logs2"),
        stateDir: stateMount,
        localApiBase: "http://127.0.0.1:0"
      }),
      { env: { ...process.env, CODEX_HOME: stack.dir.path("codex-home") } }
    );
    const base = (await codexd.start()).service.resolvedBaseUrl as string;
    try {
      const ok = await postJson(`${base}/v1/codexd/sessions`, {});
      assert.equal(ok.status, 201, ok.text);
      // Fill the file system to the last byte.
      const filler = `${stateMount}/filler`;
      try {
        writeFileSync(filler, Buffer.alloc(2 * 1024 * 1024));
      } catch (error) {
        assert.equal((error as NodeJS.ErrnoException).code, "ENOSPC");
      }
      const refused = await postJson(`${base}/v1/codexd/sessions`, {});
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.body.error.code, "state_write_failed");
      assert.match(refused.body.error.message, /ENOSPC/);
      assert.equal((await getJson(`${base}/v1/codexd/status`)).body.data.health.status, "degraded");
      assert.equal((await getJson(`${base}/v1/codexd/sessions`)).body.data.sessions.length, 1);
      rmSync(filler);
      const again = await postJson(`${base}/v1/codexd/sessions`, {});
      assert.equal(again.status, 201, again.text);
      assert.equal((await getJson(`${base}/v1/codexd/status`)).body.data.health.status, "ok");
      assert.equal(sessionIds(`${stateMount}/session-registry.json`).length, 2);
    } finally {
      await codexd.stop();
    }
  } finally {
    execFileSync("umount", ["-l", stateMount], { stdio: "ignore" });
    await stack.stop();
  }
});
