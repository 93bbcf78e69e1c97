import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import test from "node:test";
import { openControlStore, type ControlStore, type NotificationAttempt } from "@baa/control-store";
import { createSilentLogger } from "../../src/logger.js";
import {
  NotificationDispatcher,
  type NotificationSender
} from "../../src/notifications/notification-dispatcher.js";
import type { SendResult } from "../../src/notifications/notification-policy.js";
import { ManualTimers } from "@baa/clock/testing";
import { makeTempDir } from "@baa/test-support";

interface Sent {
  url: string;
  at: number;
  headers: Record<string, string>;
  body: string;
}

/** A real SQLite store on the fake clock with one task ended `succeeded` (one outbox event). */
async function setup(
  t: test.TestContext,
  answers: SendResult[],
  options: { secret?: string; retryForMs?: number } = {}
) {
  const dir = makeTempDir("dispatcher-");
  const timers: ManualTimers = new ManualTimers({ epochMs: Date.parse("2030-01-01T00:00:00.000Z") });
  const store: ControlStore = await openControlStore({ stateDir: dir.root, now: () => timers.wallNow() });
  const lease = await store.acquireLease({ scope: "scheduler", holder: "me", ttlMs: 3_600_000 });
  const { task } = await store.createTask({ title: "t", prompt: "p", maxAttempts: 1 });
  const [claim] = await store.claimTasks({ scope: "scheduler", holder: "me", term: lease!.term, limit: 1 });
  await store.finishRun(
    { runId: claim!.run.runId, owner: "me", term: lease!.term },
    { runState: "succeeded", taskState: "succeeded", spendAttempt: false }
  );
  const sent: Sent[] = [];
  const outcomes: NotificationAttempt[] = [];
  const send: NotificationSender = async (url, init) => {
    sent.push({ url, at: timers.now(), headers: init.headers, body: init.body });
    return answers[Math.min(sent.length - 1, answers.length - 1)]!;
  };
  const dispatcher = new NotificationDispatcher({
    store,
    urls: ["http://receiver.test/hook"],
    secret: options.secret,
    retryForMs: options.retryForMs ?? 3_600_000,
    timeoutMs: 1_000,
    backoff: { baseMs: 1_000, maxMs: 60_000, jitter: "none" },
    pollMs: 250,
    send,
    timers,
    logger: createSilentLogger(),
    onAttempt: (attempt) => outcomes.push(attempt)
  });
  t.after(async () => {
    await dispatcher.stop();
    await store.close();
    dir.remove();
  });
  return { store, timers, dispatcher, sent, outcomes, taskId: task.taskId };
}

test("500, 500, then 200: delivered once, three attempts with one delivery id, backoff between, a valid signature", async (t) => {
  const { store, timers, dispatcher, sent, outcomes, taskId } = await setup(
    t,
    [
      { kind: "status", status: 500 },
      { kind: "status", status: 500 },
      { kind: "status", status: 200 }
    ],
    { secret: "s3cret" }
  );
  dispatcher.start();
  await timers.advance(10_000);
  assert.equal(sent.length, 3);
  assert.deepEqual(
    outcomes.map((o) => o.kind),
    ["retry", "retry", "delivered"]
  );
  assert.equal(
    new Set(sent.map((s) => s.headers["x-baa-delivery"])).size,
    1,
    "one delivery id on every attempt"
  );
  assert.match(sent[0]!.headers["x-baa-delivery"]!, /^delivery-/);
  assert.equal(new Set(sent.map((s) => s.body)).size, 1, "the same bytes on every attempt");
  // Backoff 1 s then 2 s (no jitter), each seen at the dispatcher's next poll.
  assert.ok(
    sent[1]!.at - sent[0]!.at >= 1_000 && sent[1]!.at - sent[0]!.at < 1_500,
    `${sent[1]!.at - sent[0]!.at}`
  );
  assert.ok(
    sent[2]!.at - sent[1]!.at >= 2_000 && sent[2]!.at - sent[1]!.at < 2_500,
    `${sent[2]!.at - sent[1]!.at}`
  );
  for (const attempt of sent) {
    assert.equal(attempt.headers["x-baa-event"], "task.succeeded");
    assert.equal(attempt.headers["content-type"], "application/json");
    const expected = `sha256=${createHmac("sha256", "s3cret").update(attempt.body).digest("hex")}`;
    assert.equal(attempt.headers["x-baa-signature"], expected);
  }
  const body = JSON.parse(sent[0]!.body) as { event: string; task: { taskId: string; state: string } };
  assert.deepEqual([body.event, body.task.taskId, body.task.state], ["task.succeeded", taskId, "succeeded"]);
  const stats = await store.notificationStats();
  assert.deepEqual([stats.pending, stats.delivered, stats.failed], [0, 1, 0]);
  assert.equal(stats.lastFailure?.status, 500);
  await timers.advance(60_000);
  assert.equal(sent.length, 3, "nothing sent after the delivery");
});

test("retries stop once the next attempt would pass notifyRetryForMs; the delivery is failed", async (t) => {
  const { store, timers, dispatcher, sent, outcomes } = await setup(
    t,
    [{ kind: "error", message: "connect ECONNREFUSED" }],
    { retryForMs: 10_000 }
  );
  dispatcher.start();
  await timers.advance(60_000);
  // Attempts at 0, 1, 3, 7 s; the next would be at 15 s, past 10 s.
  assert.equal(sent.length, 4);
  assert.deepEqual(
    outcomes.map((o) => o.kind),
    ["retry", "retry", "retry", "failed"]
  );
  assert.equal(sent[0]!.headers["x-baa-signature"], undefined, "no secret: no signature header");
  const stats = await store.notificationStats();
  assert.deepEqual([stats.pending, stats.delivered, stats.failed], [0, 0, 1]);
  assert.match(stats.lastFailure?.error ?? "", /ECONNREFUSED.*gave up after 4 attempts/);
});

test("a slow receiver does not hold up the loop's caller: start returns at once and stop waits for the attempt", async (t) => {
  const { timers, dispatcher, sent } = await setup(t, [{ kind: "status", status: 204 }]);
  dispatcher.start();
  assert.equal(sent.length, 0);
  await timers.advance(0);
  assert.equal(sent.length, 1);
  await dispatcher.stop();
});
