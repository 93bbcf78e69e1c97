import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import test from "node:test";
import type { ClaimedRun, RunEnding, RunPatch, RunRecord, TaskRecord } from "@baa/control-store";
import { WebSocketServer, type WebSocket } from "ws";
import { createSilentLogger } from "../../src/logger.js";
import { executeRun, type RunExecutorDeps, type RunSettings } from "../../src/runs/run-executor.js";
import { CodexdDownError, type CodexdStreamEvent, type WorkerCodexd } from "../../src/runs/worker-codexd.js";
import { ManualTimers } from "@baa/clock/testing";
import { eventually, makeTempDir } from "@baa/test-support";

const settings: RunSettings = {
  stallTimeoutMs: 5_000,
  timeoutMs: null,
  progressEveryMs: 1_000,
  interruptGraceMs: 2_000,
  reconnectDelayMs: 100,
  connectTimeoutMs: 2_000,
  finishRetryMs: 100,
  finishAttempts: 3
};

function claim(task: Partial<TaskRecord> = {}): ClaimedRun {
  return {
    task: {
      taskId: "task-1",
      title: "t",
      prompt: "do it",
      cwd: null,
      model: null,
      approvalPolicy: null,
      sandbox: null,
      stallTimeoutMs: null,
      timeoutMs: null,
      attemptsSpent: 0,
      maxAttempts: 2,
      round: 1,
      roundInput: null,
      review: null,
      baseBranch: null,
      repoConfig: null,
      ...task
    } as TaskRecord,
    run: {
      runId: "run-1",
      taskId: "task-1",
      attempt: 1,
      owner: "node",
      term: 3,
      startedAt: "2026-01-01T00:00:00.000Z"
    } as RunRecord
  };
}

/** codexd's event stream played by the test: events pushed to every connected client. */
async function fakeStream() {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const clients = new Set<WebSocket>();
  let connected!: () => void;
  const firstClient = new Promise<void>((resolve) => (connected = resolve));
  server.on("connection", (socket) => {
    clients.add(socket);
    connected();
  });
  let seq = 10;
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    firstClient,
    push(type: string, data: unknown = null) {
      const event: CodexdStreamEvent = {
        seq: ++seq,
        type,
        at: "2026-01-01T00:00:01.000Z",
        sessionId: "session-1",
        threadId: "th",
        turnId: "turn-1",
        data
      };
      for (const client of clients) client.send(JSON.stringify(event));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of clients) client.terminate();
        server.close(() => resolve());
      })
  };
}

async function setup(
  options: { task?: Partial<TaskRecord>; updateResult?: boolean; openFails?: boolean } = {}
) {
  const dir = makeTempDir("run-exec-");
  const stream = await fakeStream();
  const timers = new ManualTimers({ epochMs: Date.parse("2026-01-01T00:00:00.000Z") });
  const calls: string[] = [];
  const updates: RunPatch[] = [];
  const finishes: RunEnding[] = [];
  const recorded: { type: string }[] = [];
  // Each read first lets the fake clock's due timers and promise chains run.
  const waitFor = (predicate: () => boolean, what: string) =>
    eventually(async () => {
      await timers.settle();
      return predicate();
    }, what).catch((error: Error) => {
      throw new Error(`${error.message}; calls: ${calls.join(", ")}`);
    });
  const codexd: WorkerCodexd = {
    async openSession() {
      calls.push("open");
      if (options.openFails) throw new CodexdDownError("codexd is not reachable");
      return { sessionId: "session-1", threadId: "th", afterSeq: 10 };
    },
    async startTurn(_sessionId, input) {
      calls.push(`turn ${input}`);
      return { turnId: "turn-1" };
    },
    async interruptTurn() {
      calls.push("interrupt");
    },
    async closeSession() {
      calls.push("close");
    },
    eventsUrl: () => stream.url
  };
  const quota: string[] = [];
  const runState = { value: "running" as RunRecord["state"] };
  const deps: RunExecutorDeps = {
    store: {
      async updateRun(_fence, patch) {
        updates.push(patch);
        return options.updateResult ?? true;
      },
      async finishRun(_fence, ending) {
        finishes.push(ending);
        return options.updateResult ?? true;
      },
      async getTask() {
        return undefined;
      },
      async getRun() {
        return { state: runState.value } as RunRecord;
      },
      async listRuns() {
        return [];
      }
    },
    codexd,
    workspaces: {
      prepare: async (task) => ({
        workspace: {
          kind: "scratch",
          path: join(dir.root, "scratch", task.taskId),
          branch: null,
          baseCommit: null
        },
        cwd: join(dir.root, "scratch", task.taskId),
        needsSetup: false,
        repo: null
      })
    },
    checks: { readConfig: async () => null, env: {} },
    branch: {
      commit: async () => null,
      commitPatch: async () => "",
      hasChanges: async () => false
    },
    events: {
      record(input) {
        recorded.push(input);
        return {
          seq: recorded.length,
          at: "",
          sessionId: null,
          threadId: null,
          turnId: null,
          data: null,
          ...input
        } as never;
      }
    },
    quota: { setQuotaPause: async (until) => void quota.push(String(until)) },
    runsDir: dir.root,
    timers,
    logger: createSilentLogger(),
    policy: {
      retry: { baseMs: 1000, maxMs: 4000 },
      quota: { fallbackMs: 60_000, minMs: 1000, maxMs: 86_400_000 }
    },
    settings
  };
  const handle = executeRun(deps, claim(options.task));
  return {
    dir,
    stream,
    timers,
    calls,
    updates,
    finishes,
    recorded,
    quota,
    handle,
    waitFor,
    runState,
    async close() {
      handle.stop("abandon", "test over");
      await handle.done;
      await stream.close();
      dir.remove();
    }
  };
}

test("a completed turn: approvals flip the task to needs_approval and back, the run ends succeeded with its message and usage", async () => {
  const s = await setup();
  try {
    await s.stream.firstClient;
    await s.waitFor(() => s.calls.includes("turn do it"), "the prompt sent as a turn");
    s.stream.push("approval.requested", { approval: { approvalId: "a1" } });
    await s.waitFor(() => s.updates.some((u) => u.taskState === "needs_approval"), "needs_approval");
    s.stream.push("approval.answered", { approval: { approvalId: "a1" } });
    await s.waitFor(() => s.updates.some((u) => u.taskState === "running"), "running again");
    s.stream.push("app-server.item.completed", { item: { type: "agentMessage", text: "all done" } });
    s.stream.push("app-server.thread.tokenUsage.updated", { tokenUsage: { total: { totalTokens: 42 } } });
    s.stream.push("app-server.turn.completed", { turn: { id: "turn-1", status: "completed" } });
    await s.handle.done;
    assert.equal(s.finishes.length, 1);
    assert.deepEqual(
      [s.finishes[0]!.runState, s.finishes[0]!.taskState, s.finishes[0]!.finalMessage],
      ["succeeded", "succeeded", "all done"]
    );
    assert.deepEqual(s.finishes[0]!.usage, { total: { totalTokens: 42 } });
    assert.ok(s.calls.includes("close"), "the worker session was closed");
    const folder = join(s.dir.root, "run-1");
    assert.equal(readFileSync(join(folder, "final-message.md"), "utf8"), "all done\n");
    assert.ok(existsSync(join(folder, "usage.json")));
    assert.equal(JSON.parse(readFileSync(join(folder, "meta.json"), "utf8")).state, "succeeded");
    const types = readFileSync(join(folder, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).type);
    assert.deepEqual([types[0], types.at(-1)], ["run.started", "run.ended"]);
  } finally {
    await s.close();
  }
});

test("no event for the stall timeout: the turn is interrupted and the task queued again as stalled", async () => {
  const s = await setup();
  try {
    await s.stream.firstClient;
    await s.waitFor(() => s.calls.includes("turn do it"), "turn");
    await s.timers.advance(settings.stallTimeoutMs);
    await s.waitFor(() => s.calls.includes("interrupt"), "interrupt");
    s.stream.push("app-server.turn.completed", { turn: { id: "turn-1", status: "interrupted" } });
    await s.handle.done;
    assert.deepEqual(
      [s.finishes[0]!.runState, s.finishes[0]!.taskState, s.finishes[0]!.spendAttempt],
      ["stalled", "queued", true]
    );
    assert.equal(
      s.finishes[0]!.notBefore,
      new Date(Date.parse("2026-01-01T00:00:00.000Z") + settings.stallTimeoutMs + 1000).toISOString()
    );
  } finally {
    await s.close();
  }
});

test("a usage limit defers the run and pauses claiming", async () => {
  const s = await setup();
  try {
    await s.stream.firstClient;
    await s.waitFor(() => s.calls.includes("turn do it"), "turn");
    s.stream.push("app-server.turn.completed", {
      turn: {
        id: "turn-1",
        status: "failed",
        error: { message: "You’ve hit your usage limit.", codexErrorInfo: "usageLimitExceeded" }
      }
    });
    await s.handle.done;
    assert.deepEqual(
      [s.finishes[0]!.runState, s.finishes[0]!.taskState, s.finishes[0]!.spendAttempt],
      ["deferred", "queued", false]
    );
    assert.equal(s.quota.length, 1);
  } finally {
    await s.close();
  }
});

test("the interrupt grace: a turn that never reports its end still ends the run (timeout)", async () => {
  const s = await setup({ task: { timeoutMs: 3_000 } });
  try {
    await s.stream.firstClient;
    await s.waitFor(() => s.calls.includes("turn do it"), "turn");
    await s.timers.advance(3_000);
    await s.waitFor(() => s.calls.includes("interrupt"), "interrupt");
    await s.timers.advance(settings.interruptGraceMs);
    await s.handle.done;
    assert.deepEqual([s.finishes[0]!.runState, s.finishes[0]!.taskState], ["timed_out", "timed_out"]);
  } finally {
    await s.close();
  }
});

test("a fenced write (the node lost the run) abandons it; the end write changes nothing and is logged", async () => {
  const s = await setup({ updateResult: false });
  try {
    await s.waitFor(() => s.calls.includes("interrupt") || s.finishes.length > 0, "abandon");
    await s.timers.advance(settings.interruptGraceMs);
    await s.handle.done;
    assert.equal(s.finishes[0]!.runState, "abandoned");
    assert.ok(s.recorded.some((e) => e.type === "run.ended"));
  } finally {
    await s.close();
  }
});

test("codexd down: the task goes back to the queue without spending an attempt", async () => {
  const s = await setup({ openFails: true });
  try {
    await s.handle.done;
    assert.deepEqual(
      [s.finishes[0]!.runState, s.finishes[0]!.taskState, s.finishes[0]!.spendAttempt],
      ["failed", "queued", false]
    );
  } finally {
    await s.close();
  }
});

test("a run another node ended (lease taken over) stops at its next progress check: the turn is interrupted", async () => {
  const s = await setup();
  try {
    await s.stream.firstClient;
    await s.waitFor(() => s.calls.includes("turn do it"), "turn");
    s.runState.value = "abandoned";
    await s.timers.advance(settings.progressEveryMs);
    await s.waitFor(() => s.calls.includes("interrupt"), "interrupt");
    s.stream.push("app-server.turn.completed", { turn: { id: "turn-1", status: "interrupted" } });
    await s.handle.done;
    assert.equal(s.finishes[0]!.runState, "abandoned");
    assert.ok(s.recorded.some((e) => e.type === "run.stop_requested"));
  } finally {
    await s.close();
  }
});
