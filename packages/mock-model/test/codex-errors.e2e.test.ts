import assert from "node:assert/strict";
import test from "node:test";

import { startMockModel, type MockModel } from "../src/index.js";
import {
  runTurn,
  startAppServer,
  startThread,
  type AppServer,
  type StartOptions
} from "./app-server-driver.js";

async function withCodex(
  options: StartOptions,
  run: (model: MockModel, server: AppServer, threadId: string) => Promise<void>
): Promise<void> {
  const model = await startMockModel();
  let server: AppServer | undefined;
  try {
    server = await startAppServer(model.baseUrl, options);
    await run(model, server, await startThread(server, "read-only"));
  } finally {
    await server?.dispose();
    await model.close();
  }
}

test("a hanging stream keeps the turn running until turn/interrupt", () =>
  withCodex({}, async (model, server, threadId) => {
    model.enqueue({ kind: "hang" });
    const started = await server.request("turn/start", {
      threadId,
      input: [{ type: "text", text: "wait", text_elements: [] }]
    });
    await model.waitForRequest();
    assert.equal(
      server.notifications.some((n) => n.method === "turn/completed"),
      false
    );
    await server.request("turn/interrupt", { threadId, turnId: started.turn.id });
    const done = await server.waitForNotification((n) => n.method === "turn/completed", 10_000);
    assert.equal(done.params.turn.status, "interrupted");
    assert.equal(model.requests.length, 1);
  }));

test("one overloaded answer is retried by codex and the turn completes", () =>
  withCodex({}, async (model, server, threadId) => {
    model.enqueue({ kind: "overloaded" });
    const done = await runTurn(server, threadId, "busy?");
    assert.equal(done.params.turn.status, "completed");
    assert.equal(model.requests.length, 2);
  }));

test("persistent overload fails the turn with serverOverloaded after the HTTP retries", () =>
  withCodex({ provider: { requestMaxRetries: 1, streamMaxRetries: 3 } }, async (model, server, threadId) => {
    model.setDefaultReply(() => ({ kind: "overloaded" }));
    const done = await runTurn(server, threadId, "busy?");
    assert.equal(done.params.turn.status, "failed");
    assert.equal(done.params.turn.error.codexErrorInfo, "serverOverloaded");
    // Only request_max_retries applies: overload is not retried at the turn (stream) level.
    assert.equal(model.requests.length, 2);
  }));

test("a 400 fails the turn at once, a 429 too", () =>
  withCodex({}, async (model, server, threadId) => {
    model.enqueue({ kind: "http_error", status: 400, body: { error: { message: "nope" } } });
    const bad = await runTurn(server, threadId, "first");
    assert.equal(bad.params.turn.status, "failed");
    assert.equal(model.requests.length, 1);

    model.enqueue({ kind: "http_error", status: 429 });
    const limited = await runTurn(server, threadId, "second");
    assert.equal(limited.params.turn.status, "failed");
    assert.deepEqual(limited.params.turn.error.codexErrorInfo, {
      responseTooManyFailedAttempts: { httpStatusCode: 429 }
    });
    assert.equal(model.requests.length, 2);
  }));

test("a persistent 500 is retried (request_max_retries+1) x (stream_max_retries+1) times", () =>
  withCodex({ provider: { requestMaxRetries: 1, streamMaxRetries: 1 } }, async (model, server, threadId) => {
    model.setDefaultReply(() => ({ kind: "http_error", status: 500 }));
    const done = await runTurn(server, threadId, "boom");
    assert.equal(done.params.turn.status, "failed");
    assert.equal(done.params.turn.error.codexErrorInfo, "internalServerError");
    assert.equal(model.requests.length, 4);
    const retryNotices = server.notifications.filter(
      (n) => n.method === "error" && n.params.willRetry === true
    );
    assert.equal(retryNotices.length, 1);
  }));

test("a usage-limit 429 fails the turn at once with usageLimitExceeded and the reset time in the message", () =>
  withCodex({}, async (model, server, threadId) => {
    model.enqueue({ kind: "usage_limit", resetsAt: Math.floor(Date.now() / 1000) + 3600 });
    const done = await runTurn(server, threadId, "over the limit");
    assert.equal(done.params.turn.status, "failed");
    assert.equal(done.params.turn.error.codexErrorInfo, "usageLimitExceeded");
    assert.match(done.params.turn.error.message, /usage limit.*try again at \d{1,2}:\d{2}/i);
    assert.equal(model.requests.length, 1);
  }));
