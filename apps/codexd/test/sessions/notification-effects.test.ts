import assert from "node:assert/strict";
import test from "node:test";
import type { AppServerEvent } from "@baa/app-server-client";
import { applyNotification } from "../../src/sessions/notification-effects.js";
import { newSession } from "../../src/sessions/session.js";

const fresh = () =>
  newSession({
    sessionId: "session-1",
    threadId: "t",
    purpose: "duplex",
    cwd: "/",
    model: null,
    modelProvider: null,
    approvalPolicy: null,
    sandbox: null,
    at: "x"
  });
const event = (method: string, params: Record<string, unknown>) =>
  ({ type: method.replaceAll("/", "."), notificationMethod: method, ...params }) as AppServerEvent;

test("a long agent message is kept cut, naming the seq that holds it whole", () => {
  const s = fresh();
  const text = "a".repeat(100_000);
  assert.equal(
    applyNotification(s, event("item/completed", { item: { type: "agentMessage", text } }), {
      at: "x",
      seq: 77,
      maxTextBytes: 1024
    }),
    true
  );
  assert.ok((s.lastAgentMessage as string).length < 1200);
  assert.match(s.lastAgentMessage as string, /whole in event seq 77 of the event log/);
  assert.equal(s.lastAgentMessageSeq, 77);
  applyNotification(s, event("item/completed", { item: { type: "agentMessage", text: "short" } }), {
    at: "x",
    seq: 78,
    maxTextBytes: 1024
  });
  assert.equal(s.lastAgentMessage, "short");
});

test("a streamed delta changes nothing", () => {
  const s = fresh();
  const before = JSON.stringify(s);
  assert.equal(
    applyNotification(s, event("item/agentMessage/delta", { delta: "abc", itemId: "i" }), {
      at: "x",
      seq: 1,
      maxTextBytes: 1024
    }),
    false
  );
  assert.equal(JSON.stringify(s), before);
});
