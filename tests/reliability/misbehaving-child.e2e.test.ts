import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { delimiter } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { resolveCodexBinary } from "@baa/codex-binary";
import { startMockModel, writeCodexHome, type MockModel } from "@baa/mock-model";
import { makeTempDir } from "@baa/test-support";
import { freePort, startCodexdProcess } from "../support/codexd-process.js";
import { eventually, getJson, postJson } from "../support/http.js";
import { reportFigures } from "./support/reliability-env.js";

const FAKE_CODEX = fileURLToPath(new URL("./fixtures/misbehaving-codex.mjs", import.meta.url));
const MODES = ["garbage", "invalid-rpc", "huge", "stall", "close-stdout"] as const;

test("a misbehaving codex child (garbage lines, a 64 MiB line, invalid JSON-RPC, a stall with stdout open, stdout closed while alive): codexd never crashes, each turn ends with a reason, the child is restarted where that cures it", async () => {
  const dir = makeTempDir("baa-rel-child-");
  const model = await startMockModel();
  // No login shell per thread: a child killed mid-snapshot leaves this machine's pyenv rehash lock behind.
  writeCodexHome(dir.path("codex-home"), model.baseUrl, { shellSnapshot: false });
  const modeFile = dir.path("mode");
  writeFileSync(modeFile, "pass");
  const binary = resolveCodexBinary();
  const codexd = await startCodexdProcess({
    port: await freePort(),
    env: {
      CODEX_HOME: dir.path("codex-home"),
      BAA_REPO_ROOT: dir.root,
      FAKE_CODEX_BIN: binary.executable,
      FAKE_CODEX_MODE_FILE: modeFile,
      PATH:
        binary.pathDir === undefined ? process.env.PATH : `${binary.pathDir}${delimiter}${process.env.PATH}`,
      BAA_CODEXD_REQUEST_TIMEOUT_MS: "3000",
      BAA_CODEXD_RESTART_BASE_MS: "20",
      BAA_CODEXD_RESTART_MAX_MS: "100"
    },
    args: ["--server-command", process.execPath, "--server-arg", FAKE_CODEX, "--server-arg", "app-server"]
  });
  const base = codexd.base;
  const outcomes: Record<string, unknown> = {};
  const status = async () => (await getJson(`${base}/v1/codexd/status`)).body.data.snapshot.daemon.child;
  try {
    const ctx: ChildContext = { base, model, modeFile, status, outcomes };
    for (const mode of MODES) await phaseOneMode(ctx, mode);
    const stdoutLog = readFileSync(dir.path("logs", "codexd", "app-server.stdout.log"), "utf8");
    assert.match(stdoutLog, /garbage/, "the garbage lines are kept in the child's stdout log");
    reportFigures("misbehaving-child", {
      modes: MODES.length,
      outcomes,
      codexdExit: codexd.process.exitCode
    });
    assert.equal(codexd.process.exitCode, null, "codexd never crashed");
  } catch (error) {
    console.log(`codexd output:\n${codexd.output().slice(-4000)}`);
    throw error;
  } finally {
    await codexd.kill("SIGTERM");
    await model.close();
    dir.remove();
  }
});

interface ChildContext {
  base: string;
  model: MockModel;
  modeFile: string;
  /** codexd's status of its child. */
  status: () => Promise<any>;
  outcomes: Record<string, unknown>;
}

/**
 * One mode of misbehaviour: a turn under it ends (or is refused) with a reason, codexd still
 * answers, the service works again after, and the child was restarted only where that cures it.
 */
async function phaseOneMode(
  { base, model, modeFile, status, outcomes }: ChildContext,
  mode: (typeof MODES)[number]
) {
  await eventually(
    async () => ((await status()).status === "running" ? true : null),
    `${mode}: child running before`,
    30_000
  );
  const pidBefore = (await status()).pid;
  const restartsBefore = (await status()).restarts;
  const created = await postJson(`${base}/v1/codexd/sessions`, { purpose: mode });
  assert.equal(created.status, 201, `${mode}: ${created.text}`);
  const sessionId = created.body.data.session.sessionId;
  writeFileSync(modeFile, mode);
  model.enqueue({ kind: "text", text: `answer in ${mode} mode` });
  const turn = await postJson(`${base}/v1/codexd/turn`, { sessionId, input: `turn in ${mode} mode` });
  // A stalled or deaf child cannot accept the turn: refused with a reason, or accepted and ended.
  assert.ok(
    turn.status === 202 || (turn.status >= 500 && turn.body?.ok === false && turn.body.error.message !== ""),
    `${mode}: ${turn.status} ${turn.text}`
  );
  const ended = await eventually(
    async () => {
      const s = (await getJson(`${base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
      return s.activeTurn === null && s.lastTurnStatus !== "inProgress" ? s : null;
    },
    `${mode}: the turn ends`,
    30_000
  );
  writeFileSync(modeFile, "pass");
  assert.equal((await getJson(`${base}/healthz`)).status, 200, `${mode}: codexd still answers`);
  if (ended.lastTurnStatus !== null && ended.lastTurnStatus !== "completed") {
    assert.ok(
      typeof ended.lastTurnError === "string" && ended.lastTurnError !== "",
      `${mode}: a ${ended.lastTurnStatus} turn says why`
    );
  }
  await worksAgain(base, mode);
  const child = await status();
  const exits =
    (await getJson(`${base}/v1/codexd/events?type=child.exited&limit=50`)).body?.data?.events ?? [];
  outcomes[mode] = {
    turnAnswer: turn.status,
    turnStatus: ended.lastTurnStatus,
    reason: ended.lastTurnError ?? turn.body?.error?.code ?? null,
    childRestarted: child.pid !== pidBefore,
    restarts: child.restarts - restartsBefore,
    // Every restart reason so far: on a loaded machine the restarted child may itself time out once
    // (its initialize), so the cause this mode provoked need not be the newest.
    restartReasons:
      child.restarts > restartsBefore
        ? (
            await getJson(`${base}/v1/codexd/events?type=child.restart_scheduled&limit=100`)
          ).body.data.events.map((e: any) => String(e.data?.reason ?? ""))
        : [],
    exitsSeen: exits.length
  };
  assertRestartedOnlyWhereItCures(
    mode,
    { pid: pidBefore, restarts: restartsBefore },
    child,
    (outcomes[mode] as any).restartReasons
  );
}

/** Afterwards the service works again, on the same child or a restarted one. */
async function worksAgain(base: string, mode: string): Promise<void> {
  const next = await eventually(
    async () => {
      const s = await postJson(`${base}/v1/codexd/sessions`, { purpose: `${mode} after` });
      return s.status === 201 ? s.body.data.session.sessionId : null;
    },
    `${mode}: a session after (the child restarts and resumes every session first)`,
    90_000
  );
  const again = await postJson(`${base}/v1/codexd/turn`, { sessionId: next, input: `after ${mode}` });
  assert.equal(again.status, 202, `${mode}: ${again.text}`);
  await eventually(
    async () => {
      const s = (await getJson(`${base}/v1/codexd/sessions/${next}`)).body.data.session;
      return s.lastTurnStatus === "completed" ? s : null;
    },
    `${mode}: a turn after completes`,
    30_000
  );
}

/** A stalled or deaf child is restarted for that reason; in every other mode the same child goes on. */
function assertRestartedOnlyWhereItCures(
  mode: (typeof MODES)[number],
  before: { pid: number; restarts: number },
  child: { pid: number; restarts: number },
  reasons: string[]
): void {
  if (mode === "stall" || mode === "close-stdout") {
    assert.ok(
      child.pid !== before.pid && child.restarts > before.restarts,
      `${mode}: the child was restarted`
    );
    const expected = mode === "stall" ? /stopped answering/ : /closed its stdout/;
    assert.ok(
      reasons.some((reason) => expected.test(reason)),
      `${mode}: a restart for ${expected}, saw ${JSON.stringify(reasons)}`
    );
  } else {
    assert.equal(child.pid, before.pid, `${mode}: the same child goes on`);
  }
}
