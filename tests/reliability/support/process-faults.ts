import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { startMockModel, writeCodexHome, type MockModel } from "@baa/mock-model";
import { makeTempDir, type TempDir } from "@baa/test-support";
import { freePort, isAlive, startCodexdProcess, type CodexdProcess } from "../../support/codexd-process.js";
import { startConductorProcess, type ConductorProcess } from "../../support/conductor-process.js";
import { eventually, getJson, postJson } from "../../support/http.js";
import { E2E_TOKEN } from "../../support/real-stack.js";
import { assertJsonFilesParse, overlappingRuns, readEventLogWithTorn, seqProblems } from "./invariants.js";
import { envInt, percentiles, reliabilitySeed, reportFigures, seededRandom } from "./reliability-env.js";

export type Target = "codexd" | "child" | "conductor";
type Scenario = "turn" | "task";
const TERMINAL = new Set(["succeeded", "failed", "cancelled", "timed_out"]);

/**
 * kill -9 of `targets` (picked at random per iteration) at seeded points of turns and task
 * runs, with the invariants checked after each restart. BAA_RELIABILITY_ITERATIONS is the total
 * over the three process-faults files (default 21: 7 each); BAA_RELIABILITY_SEED replays.
 */
export async function runProcessFaults(name: string, targets: readonly Target[]): Promise<void> {
  const seed = reliabilitySeed();
  const iterations = Math.ceil(envInt("BAA_RELIABILITY_ITERATIONS", 21) / 3);
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  console.log(
    `reliability: ${name} seed ${seed} (replay with BAA_RELIABILITY_SEED=${seed}), ${iterations} iterations`
  );

  const stack = await startStack();
  const tasks: string[] = [];
  const figures = newFigures();
  const recoveryMs: number[] = [];
  const started = Date.now();
  try {
    stack.conductor = await startConductorProcess({ port: stack.conductorPort, env: stack.conductorEnv });
    for (let i = 0; i < iterations; i++) {
      const target = pick(targets);
      const scenario = pick(["turn", "task"] as const);
      const delayMs = Math.floor(random() * 700);
      const input = `iteration ${i} ${scenario}`;
      const step = `iteration ${i} (${target} killed ${delayMs} ms into a ${scenario}, seed ${seed})`;
      figures.kills[target]++;
      figures.scenarios[scenario]++;
      const sessionId = await startScenario(stack, scenario, i, input, step, tasks);
      await sleep(delayMs);
      const seen = stack.model.requests.find((r) => r.lastUserText === input);
      figures.killedWhen[
        seen === undefined ? "beforeModel" : seen.closedAt === null ? "duringStream" : "afterStream"
      ]!++;
      const killedAt = Date.now();
      await killAndRestart(stack, target, step);
      recoveryMs.push(Date.now() - killedAt);
      const sessions = await settle(stack, tasks, step);
      await checkInvariants(stack, tasks, sessions, figures, step);
      if (sessionId !== undefined)
        await checkTurnSurvived(stack, sessions, { sessionId, input }, figures, step);
    }
    for (const taskId of tasks) {
      for (const run of (await getJson(`${stack.conductor.base}/v1/tasks/${taskId}/runs`)).body.data
        .runs as any[]) {
        figures.runStates[run.state] = (figures.runStates[run.state] ?? 0) + 1;
      }
    }
    reportFigures(name, {
      seed,
      iterations,
      ...figures,
      tasks: tasks.length,
      recoveryMs: percentiles(recoveryMs),
      seconds: Math.round((Date.now() - started) / 100) / 10
    });
  } catch (error) {
    console.log(
      `reliability: ${name} failed with seed ${seed}; codexd output:\n${stack.codexd.output().slice(-3000)}\nconductor output:\n${stack.conductor?.output().slice(-3000)}`
    );
    throw error;
  } finally {
    await stack.conductor?.kill("SIGTERM");
    await stack.codexd.kill("SIGTERM");
    await stack.model.close();
    stack.dir.remove();
  }
}

/** The processes under test and how to start them again: ports and env stay the same. */
interface FaultStack {
  dir: TempDir;
  model: MockModel;
  codexdPort: number;
  conductorPort: number;
  codexdEnv: Record<string, string>;
  conductorEnv: Record<string, string>;
  codexd: CodexdProcess;
  conductor: ConductorProcess | undefined;
}

function newFigures() {
  return {
    kills: { codexd: 0, child: 0, conductor: 0 } as Record<Target, number>,
    scenarios: { turn: 0, task: 0 } as Record<Scenario, number>,
    killedWhen: { beforeModel: 0, duringStream: 0, afterStream: 0 } as Record<string, number>,
    turnOutcomes: {} as Record<string, number>,
    runStates: {} as Record<string, number>,
    stateFilesChecked: 0,
    tornLines: 0,
    events: 0
  };
}

type Figures = ReturnType<typeof newFigures>;

/** A slow mock model, codexd on the real binary; the conductor is started by the caller. */
async function startStack(): Promise<FaultStack> {
  const dir = makeTempDir("baa-rel-faults-");
  const model = await startMockModel();
  // Every answer streams for ~250 ms, so a kill lands before, during or after the model's reply.
  model.setDefaultReply((r) => ({
    kind: "slow_text",
    text: `mock reply to: ${r.lastUserText ?? ""}`,
    totalMs: 250
  }));
  const codexHome = dir.path("codex-home");
  // No login shell per thread: a child killed mid-snapshot leaves this machine's pyenv rehash lock behind.
  writeCodexHome(codexHome, model.baseUrl, { shellSnapshot: false });
  const repo = dir.path("repo");
  mkdirSync(repo, { recursive: true });
  const codexdPort = await freePort();
  const conductorPort = await freePort();
  const codexdEnv = {
    CODEX_HOME: codexHome,
    BAA_REPO_ROOT: repo,
    BAA_CODEXD_STATE_DIR: dir.path("codexd-state"),
    BAA_CODEXD_LOGS_DIR: dir.path("codexd-logs"),
    BAA_CODEXD_RESTART_BASE_MS: "20",
    BAA_CODEXD_RESTART_MAX_MS: "100",
    BAA_CODEXD_CRASH_LOOP_LIMIT: "1000"
  };
  const conductorEnv = {
    BAA_NODE_ID: "reliability-node",
    BAA_CONDUCTOR_ROLE: "primary",
    BAA_CONDUCTOR_LOG_LEVEL: "warn",
    BAA_CODEXD_LOCAL_API_BASE: `http://127.0.0.1:${codexdPort}`,
    BAA_REPO_ROOT: repo,
    BAA_STATE_DIR: dir.path("conductor-state"),
    BAA_RUNS_DIR: dir.path("runs"),
    BAA_LOGS_DIR: dir.path("conductor-logs"),
    BAA_SHARED_TOKEN: E2E_TOKEN,
    BAA_LEASE_TTL_MS: "2000",
    BAA_SCHEDULER_POLL_MS: "50",
    BAA_RUN_PROGRESS_MS: "100",
    BAA_TASK_RETRY_BASE_MS: "50",
    BAA_TASK_RETRY_MAX_MS: "200"
  };
  const codexd = await startCodexdProcess({ port: codexdPort, env: codexdEnv });
  return { dir, model, codexdPort, conductorPort, codexdEnv, conductorEnv, codexd, conductor: undefined };
}

/** A turn straight on codexd (its session id returned) or a task through the conductor (added to `tasks`). */
async function startScenario(
  stack: FaultStack,
  scenario: Scenario,
  i: number,
  input: string,
  step: string,
  tasks: string[]
): Promise<string | undefined> {
  if (scenario === "turn") {
    const created = await postJson(`${stack.codexd.base}/v1/codexd/sessions`, {
      purpose: `reliability ${i}`
    });
    assert.equal(created.status, 201, `${step}: ${created.text}`);
    const sessionId: string = created.body.data.session.sessionId;
    const turn = await postJson(`${stack.codexd.base}/v1/codexd/turn`, { sessionId, input });
    assert.equal(turn.status, 202, `${step}: ${turn.text}`);
    return sessionId;
  }
  const created = await postJson(`${stack.conductor!.base}/v1/tasks`, {
    title: `reliability ${i}`,
    prompt: input,
    maxAttempts: 5
  });
  assert.equal(created.status, 201, `${step}: ${created.text}`);
  tasks.push(created.body.data.task.taskId);
  return undefined;
}

/** kill -9 of the target, then what brings it back: a new codexd, codexd's own restart of its child, a new conductor. */
async function killAndRestart(stack: FaultStack, target: Target, step: string): Promise<void> {
  if (target === "codexd") {
    const childPid = (await getJson(`${stack.codexd.base}/v1/codexd/status`)).body.data.snapshot.daemon.child
      .pid as number | null;
    await stack.codexd.kill("SIGKILL");
    if (childPid !== null)
      await eventually(
        async () => (isAlive(childPid) ? null : true),
        `${step}: the orphaned child exits`,
        15_000
      );
    stack.codexd = await startCodexdProcess({ port: stack.codexdPort, env: stack.codexdEnv });
  } else if (target === "child") {
    const childPid = (await getJson(`${stack.codexd.base}/v1/codexd/status`)).body.data.snapshot.daemon.child
      .pid as number | null;
    if (childPid !== null) process.kill(childPid, "SIGKILL");
    await eventually(
      async () => {
        const child = (await getJson(`${stack.codexd.base}/v1/codexd/status`)).body.data.snapshot.daemon
          .child;
        return child.status === "running" && child.pid !== childPid ? child : null;
      },
      `${step}: the child is restarted`,
      20_000
    );
  } else {
    await stack.conductor!.kill("SIGKILL");
    stack.conductor = await startConductorProcess({ port: stack.conductorPort, env: stack.conductorEnv });
  }
}

/** Waits until every task ended and no turn is left running anywhere; returns codexd's sessions. */
async function settle(stack: FaultStack, tasks: string[], step: string): Promise<any[]> {
  const base = stack.conductor!.base;
  for (const taskId of tasks) {
    await eventually(
      async () => {
        const task = (await getJson(`${base}/v1/tasks/${taskId}`)).body.data.task;
        return TERMINAL.has(task.state) ? task : null;
      },
      `${step}: task ${taskId} ends`,
      60_000
    );
  }
  return eventually(
    async () => {
      const list = (await getJson(`${stack.codexd.base}/v1/codexd/sessions`)).body.data.sessions as any[];
      return list.every((s) => s.activeTurn === null && s.lastTurnStatus !== "inProgress") ? list : null;
    },
    `${step}: no turn left running`,
    30_000
  );
}

/** State files parse, the event log has no lost or doubled seq, runs never overlap, sessions say why they failed. */
async function checkInvariants(
  stack: FaultStack,
  tasks: string[],
  sessions: any[],
  figures: Figures,
  step: string
): Promise<void> {
  const { dir } = stack;
  figures.stateFilesChecked += assertJsonFilesParse(dir.path("codexd-state"));
  figures.stateFilesChecked += assertJsonFilesParse(dir.path("conductor-state"));
  // A line cut by the kill is skipped by codexd's readers (and ended by its next append).
  const { events: logged, torn } = readEventLogWithTorn(dir.path("codexd-logs"));
  figures.tornLines = torn.length;
  const seqs = logged.map((e) => e.seq);
  figures.events = seqs.length;
  assert.equal(seqs[0], 1, `${step}: the log starts at seq 1`);
  assert.deepEqual(seqProblems(seqs), [], `${step}: no lost or duplicated seq`);
  for (const taskId of tasks) {
    const runs = (await getJson(`${stack.conductor!.base}/v1/tasks/${taskId}/runs`)).body.data.runs as any[];
    assert.deepEqual(
      runs.filter((r) => r.state === "running").map((r) => r.runId),
      [],
      `${step}: no run of ${taskId} left running`
    );
    assert.deepEqual(overlappingRuns(runs), [], `${step}: the runs of ${taskId} never overlap`);
    assert.equal(
      new Set(runs.map((r) => r.attempt)).size,
      runs.length,
      `${step}: attempts of ${taskId} are distinct`
    );
  }
  for (const s of sessions) {
    assert.ok(
      s.status === "active" ||
        s.status === "closed" ||
        (s.status === "failed" && typeof s.statusReason === "string" && s.statusReason !== ""),
      `${step}: session ${s.sessionId} is ${s.status} (${s.statusReason})`
    );
  }
}

/** The killed turn's session survived, a turn that did not complete says why, and an active session takes a new turn. */
async function checkTurnSurvived(
  stack: FaultStack,
  sessions: any[],
  { sessionId, input }: { sessionId: string; input: string },
  figures: Figures,
  step: string
): Promise<void> {
  const mine = sessions.find((s) => s.sessionId === sessionId);
  assert.ok(mine, `${step}: the turn's session survived`);
  figures.turnOutcomes[mine.lastTurnStatus] = (figures.turnOutcomes[mine.lastTurnStatus] ?? 0) + 1;
  if (mine.lastTurnStatus !== "completed")
    assert.ok(
      typeof mine.lastTurnError === "string" && mine.lastTurnError !== "",
      `${step}: a ${mine.lastTurnStatus} turn says why`
    );
  if (mine.status !== "active") return;
  const again = await postJson(`${stack.codexd.base}/v1/codexd/turn`, { sessionId, input: `${input} again` });
  assert.equal(again.status, 202, `${step}: the session takes a turn after the restart: ${again.text}`);
  await eventually(
    async () => {
      const s = (await getJson(`${stack.codexd.base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
      return s.lastTurnId === again.body.data.turnId && s.lastTurnStatus === "completed" ? s : null;
    },
    `${step}: the turn after the restart completes`,
    30_000
  );
}
