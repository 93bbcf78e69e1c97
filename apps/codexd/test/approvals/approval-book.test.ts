import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";
import { AppError } from "@baa/api-errors";
import { EventLog } from "@baa/event-log";
import { makeTempDir } from "@baa/test-support";
import { ApprovalBook } from "../../src/approvals/approval-book.js";
import { failingState } from "../support/state-health.js";

function setup(options: { maxBytes?: number } = {}) {
  const ws = makeTempDir("codexd-test-");
  const state = failingState();
  const events = new EventLog({
    logPath: ws.path("logs", "events.jsonl"),
    recentPath: ws.path("state", "recent.json"),
    limit: 100,
    now: state.now,
    health: state.health,
    timers: state.timers
  });
  const book = new ApprovalBook({
    path: ws.path("state", "approvals.json"),
    events,
    now: state.now,
    timeoutMs: 60_000,
    onChange: () => undefined,
    health: state.health,
    fs: state.fs,
    timers: state.timers,
    maxBytes: options.maxBytes
  });
  const request = (id: number, extra: Record<string, unknown> = {}) => ({
    id,
    method: "item/commandExecution/requestApproval",
    params: { threadId: "t", turnId: "turn", itemId: `i${id}`, command: "touch x", cwd: "/", ...extra }
  });
  return { ws, state, events, book, request };
}

test("an answer that cannot be saved is refused (503 state_write_failed); the approval stays pending and can be answered again", async () => {
  const { ws, state, events, book, request } = setup();
  try {
    let answered: unknown = "not yet";
    const hold = book
      .hold(request(1) as never, "commandExecution", "session-1")
      .then((response) => (answered = response));
    const approvalId = book.list()[0]!.approvalId;
    await book.settled();
    state.fs.failWrites("ENOSPC");
    state.timers.jump(10_000);
    const refused = await book.answer(approvalId, { decision: "accept" }).then(
      () => assert.fail("must not answer while approvals.json cannot be written"),
      (e: unknown) => e
    );
    assert.ok(refused instanceof AppError);
    assert.equal(refused.code, "state_write_failed");
    assert.equal(refused.status, 503);
    assert.equal(book.get(approvalId)?.status, "pending", "not reported answered");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, "not yet", "app-server has not heard an answer");
    assert.ok(state.timers.pending().includes(50_000), "the timeout runs on with the time it had left");
    state.fs.heal();
    const approval = await book.answer(approvalId, { decision: "accept" });
    assert.equal(approval.status, "answered");
    await hold;
    assert.deepEqual(answered, { decision: "accept" });
    const onDisk = JSON.parse(readFileSync(ws.path("state", "approvals.json"), "utf8")).approvals;
    assert.equal(onDisk[0].status, "answered");
    assert.equal(state.health.report().status, "ok");
    await book.close();
    await events.close();
  } finally {
    ws.remove();
  }
});

test("the timeout runs on the injected timers and declines", async () => {
  const { ws, state, events, book, request } = setup();
  try {
    const hold = book.hold(request(1) as never, "commandExecution", null);
    assert.deepEqual(
      state.timers.pending().filter((ms) => ms === 60_000),
      [60_000]
    );
    while (book.list()[0]!.status === "pending") assert.ok(state.timers.fireNext());
    assert.equal(book.list()[0]!.status, "timed_out");
    assert.deepEqual(await hold, { decision: "decline" });
    await book.close();
    await events.close();
  } finally {
    ws.remove();
  }
});

test("approvals.json stays within its byte budget by dropping the oldest settled approvals; pending ones stay", async () => {
  const maxBytes = 12 * 1024;
  const { ws, events, book, request } = setup({ maxBytes });
  try {
    for (let id = 1; id <= 40; id += 1) {
      void book.hold(request(id, { reason: "r".repeat(300) }) as never, "commandExecution", null);
      if (id % 4 !== 0) book.resolvedByServer(id);
    }
    for (let i = 0; i < 3; i += 1) {
      book.expirePending("force a write");
      await book.settled();
    }
    const text = readFileSync(ws.path("state", "approvals.json"), "utf8");
    assert.ok(Buffer.byteLength(text) <= maxBytes, `approvals.json is ${Buffer.byteLength(text)} bytes`);
    assert.ok(book.list().length < 40, "old settled approvals were dropped");
    await book.close();
    await events.close();
  } finally {
    ws.remove();
  }
});

test("a huge command in an approval is kept cut, naming the seq of the event that holds it whole", async () => {
  const { ws, events, book, request } = setup();
  try {
    const command = `echo ${"z".repeat(100_000)}`;
    void book.hold(request(1, { command }) as never, "commandExecution", null);
    const kept = book.list()[0]!.details.command as string;
    assert.ok(kept.length < 20_000);
    const seq = Number(/whole in event seq (\d+)/.exec(kept)?.[1]);
    const page = await events.query({ after: seq - 1, limit: 1 });
    assert.equal(page.events[0]?.type, "approval.requested");
    assert.equal(
      (page.events[0]?.data as { params: { command: string } } | undefined)?.params.command,
      command
    );
    book.expirePending("done");
    await book.close();
    await events.close();
  } finally {
    ws.remove();
  }
});
