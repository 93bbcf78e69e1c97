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
  run: (model: MockModel, server: AppServer) => Promise<void>
): Promise<void> {
  const model = await startMockModel();
  let server: AppServer | undefined;
  try {
    server = await startAppServer(model.baseUrl, options);
    await run(model, server);
  } finally {
    await server?.dispose();
    await model.close();
  }
}

const agentTexts = (server: AppServer, turnId: string): string[] =>
  server.notifications
    .filter(
      (n) =>
        n.method === "item/completed" && n.params.turnId === turnId && n.params.item.type === "agentMessage"
    )
    .map((n) => n.params.item.text);

test("real codex completes a text turn against the mock", () =>
  withCodex({}, async (model, server) => {
    const threadId = await startThread(server, "read-only");
    const done = await runTurn(server, threadId, "ping");
    assert.equal(done.params.turn.status, "completed");
    const seen = await model.waitForRequest();
    assert.ok(seen.userTexts.includes("ping"));
    assert.equal(seen.lastUserText, "ping");
    assert.deepEqual(agentTexts(server, done.params.turn.id), ["mock reply to: ping"]);

    model.enqueue({ kind: "text", text: "Hello there, friend", chunks: 3 });
    const second = await runTurn(server, threadId, "again");
    assert.equal(second.params.turn.status, "completed");
    assert.deepEqual(agentTexts(server, second.params.turn.id), ["Hello there, friend"]);
    const deltas = server.notifications.filter(
      (n) => n.method === "item/agentMessage/delta" && n.params.turnId === second.params.turn.id
    );
    assert.equal(deltas.length, 3);
    assert.equal(deltas.map((n) => n.params.delta).join(""), "Hello there, friend");
    // The second request carries the whole history, including the first answer.
    assert.deepEqual(model.requests[1]?.userTexts.slice(-2), ["ping", "again"]);
  }));

test("real codex runs an exec_command tool call and sends its output back", () =>
  withCodex({}, async (model, server) => {
    const threadId = await startThread(server, "danger-full-access");
    model.enqueue(
      { kind: "tool_call", arguments: { cmd: "echo hi" }, callId: "call_e2e_1" },
      { kind: "text", text: "ran it" }
    );
    const done = await runTurn(server, threadId, "run echo");
    assert.equal(done.params.turn.status, "completed");
    assert.equal(model.requests.length, 2);
    assert.deepEqual(model.requests[0]?.functionCallOutputs, []);
    const outputs = model.requests[1]?.functionCallOutputs ?? [];
    assert.equal(outputs.length, 1);
    assert.equal(outputs[0]?.callId, "call_e2e_1");
    assert.match(outputs[0]?.output ?? "", /\bhi\b/);
    assert.deepEqual(agentTexts(server, done.params.turn.id), ["ran it"]);
  }));

test("real codex also finds the mock through $CODEX_HOME/config.toml", () =>
  withCodex({ via: "config.toml" }, async (model, server) => {
    const threadId = await startThread(server, "read-only");
    const done = await runTurn(server, threadId, "from config");
    assert.equal(done.params.turn.status, "completed");
    assert.equal(model.requests[0]?.lastUserText, "from config");
    assert.equal((model.requests[0]?.body as { model?: string } | undefined)?.model, "mock-model");
  }));
