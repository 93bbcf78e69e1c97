import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import test from "node:test";
import { setImmediate as settle } from "node:timers/promises";
import { ManualTimers } from "@baa/clock/testing";

import {
  AppServerClosedError,
  AppServerExitedError,
  JsonRpcError,
  LineTooLongError,
  createStdioAppServerClient,
  type AppServerEvent,
  type StdioAppServerClientOptions
} from "../src/index.js";
import { FakeChild } from "./fake-child.js";

function setup(options: Partial<StdioAppServerClientOptions> = {}) {
  const child = new FakeChild();
  const timers = new ManualTimers();
  const protocolErrors: Error[] = [];
  const client = createStdioAppServerClient({
    child,
    timers,
    onProtocolError: (error) => void protocolErrors.push(error),
    ...options
  });
  return { child, timers, client, protocolErrors };
}

test("initialize sends clientInfo and capabilities null, then the initialized notification", async () => {
  const { child, client } = setup();
  const initialized = client.initialize();
  const [request] = await child.waitForMessages(1);
  assert.deepEqual(request, {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      clientInfo: { name: "baa-codexd", title: "baa-conductor codexd", version: "0.1.0" },
      capabilities: null
    }
  });
  const response = { userAgent: "codex", codexHome: "/h", platformFamily: "unix", platformOs: "linux" };
  child.send({ id: 1, result: response });
  assert.deepEqual(await initialized, response);
  assert.deepEqual(child.messages()[1], { jsonrpc: "2.0", method: "initialized" });
});

test("each typed method sends its app-server method and resolves with the result", async () => {
  const { child, client } = setup();
  const input = [{ type: "text" as const, text: "hi", text_elements: [] }];
  const calls: Array<[string, Promise<unknown>]> = [
    ["thread/start", client.threadStart({ cwd: "/w" })],
    ["thread/resume", client.threadResume({ threadId: "t" })],
    ["turn/start", client.turnStart({ threadId: "t", input })],
    ["turn/steer", client.turnSteer({ threadId: "t", expectedTurnId: "u", input })],
    ["turn/interrupt", client.turnInterrupt({ threadId: "t", turnId: "u" })]
  ];
  const sent = await child.waitForMessages(calls.length);
  assert.deepEqual(
    sent.map((m) => m.method),
    calls.map(([method]) => method)
  );
  // Answer in reverse to show matching is by id.
  for (const message of [...sent].reverse()) child.send({ id: message.id, result: { echo: message.method } });
  for (const [method, call] of calls) assert.deepEqual(await call, { echo: method });
});

test("notifications reach every subscriber flattened and in order, despite a throwing listener", () => {
  const listenerErrors: unknown[] = [];
  const { child, client } = setup({ onListenerError: (error) => listenerErrors.push(error) });
  const got: AppServerEvent[] = [];
  client.events.subscribe(() => {
    throw new Error("bad listener");
  });
  const subscription = client.events.subscribe((event) => got.push(event));
  // Two messages in one chunk, then one cut across three chunks.
  child.emitStdout(
    `${JSON.stringify({ method: "turn/started", params: { threadId: "t", turn: { id: "u" } } })}\n` +
      `${JSON.stringify({ method: "item/agentMessage/delta", params: { delta: "po" } })}\n{"method":"item/agent`
  );
  child.emitStdout(Buffer.from('Message/delta","params":{"delta":"ng"}'));
  child.emitStdout("}\n");
  child.send({ method: "turn/completed", params: { threadId: "t", turn: { id: "u", status: "completed" } } });
  subscription.unsubscribe();
  child.send({ method: "thread/closed", params: {} });
  assert.deepEqual(
    got.map((event) => [event.type, event.notificationMethod, event.delta ?? null]),
    [
      ["turn.started", "turn/started", null],
      ["item.agentMessage.delta", "item/agentMessage/delta", "po"],
      ["item.agentMessage.delta", "item/agentMessage/delta", "ng"],
      ["turn.completed", "turn/completed", null]
    ]
  );
  assert.deepEqual(got[3]?.turn, { id: "u", status: "completed" });
  assert.equal(listenerErrors.length, 5);
});

test("server requests get the default answers over the wire", async () => {
  const { child } = setup();
  child.send({ id: 100, method: "item/commandExecution/requestApproval", params: { threadId: "t" } });
  child.send({ id: 101, method: "item/fileChange/requestApproval", params: {} });
  child.send({ id: "u1", method: "item/tool/requestUserInput", params: {} });
  const sent = await child.waitForMessages(3);
  const byId = new Map(sent.map((m) => [m.id, m]));
  assert.deepEqual(byId.get(100), { jsonrpc: "2.0", id: 100, result: { decision: "decline" } });
  assert.deepEqual(byId.get(101), { jsonrpc: "2.0", id: 101, result: { decision: "decline" } });
  const refused = byId.get("u1")?.error as { code: number; message: string };
  assert.equal(refused.code, -32601);
  assert.match(refused.message, /not supported by this client/);
});

test("a custom handler's result and thrown JsonRpcError are sent back", async () => {
  const seen: unknown[] = [];
  const { child } = setup({
    onServerRequest: async (request) => {
      seen.push(request);
      if (request.method === "item/commandExecution/requestApproval") return { decision: "accept" };
      throw new JsonRpcError(-32000, "nobody home");
    }
  });
  child.send({ id: 1, method: "item/commandExecution/requestApproval", params: { itemId: "i" } });
  child.send({ id: 2, method: "item/tool/call", params: {} });
  const sent = await child.waitForMessages(2);
  assert.deepEqual(seen[0], {
    id: 1,
    method: "item/commandExecution/requestApproval",
    params: { itemId: "i" }
  });
  assert.deepEqual(sent.find((m) => m.id === 1)?.result, { decision: "accept" });
  assert.deepEqual(sent.find((m) => m.id === 2)?.error, { code: -32000, message: "nobody home" });
});

test("stray stdout text goes to onNonProtocolLine; an oversize line is reported and skipped", async () => {
  const stray: string[] = [];
  const { child, client, protocolErrors } = setup({
    onNonProtocolLine: (line) => stray.push(line),
    maxLineLength: 64
  });
  const pending = client.threadStart({});
  child.emitStdout("booting...\n");
  child.emitStdout(`{"method":"x","params":{"pad":"${"z".repeat(100)}"}}\n`);
  child.send({ id: 1, result: { thread: { id: "t" } } });
  assert.deepEqual(await pending, { thread: { id: "t" } });
  assert.deepEqual(stray, ["booting..."]);
  assert.equal(protocolErrors.length, 1);
  assert.ok(protocolErrors[0] instanceof LineTooLongError);
});

test("child exit rejects every pending request at once, and later calls immediately", async () => {
  const { child, client } = setup();
  child.stderr.emit("data", "\u001b[31mERROR\u001b[0m panic: out of cheese\n");
  const first = client.threadStart({});
  const second = client.turnStart({ threadId: "t", input: [] });
  const checks = [first, second].map((call) =>
    assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof AppServerExitedError);
      assert.equal(error.code, 101);
      assert.equal(error.signal, null);
      assert.match(error.message, /ERROR panic: out of cheese/);
      return true;
    })
  );
  child.exit(101);
  await Promise.all(checks);
  await assert.rejects(client.turnInterrupt({ threadId: "t", turnId: "u" }), AppServerExitedError);
  assert.deepEqual(client.exit, { code: 101, signal: null });
});

test("stdout ending without an exit fails pending requests after a short grace", async () => {
  const { child, client, timers } = setup({ stdoutEndGraceMs: 100 });
  const pending = client.threadStart({});
  const outcome = assert.rejects(pending, AppServerExitedError);
  child.stdout.emit("end");
  await timers.advance(99);
  assert.equal(child.messages().length, 1);
  await timers.advance(1);
  await outcome;
});

test("an exit soon after stdout ends supplies its code and signal", async () => {
  const { child, client } = setup();
  const outcome = assert.rejects(client.threadStart({}), { name: "AppServerExitedError", signal: "SIGKILL" });
  child.stdout.emit("end");
  child.exit(null, "SIGKILL");
  await outcome;
});

test("close() ends stdin and resolves without signals when the child exits", async () => {
  const { child, client, timers } = setup();
  const closed = client.close();
  assert.equal(child.stdinEnded, true);
  await timers.advance(500);
  child.exit(0);
  await closed;
  assert.deepEqual(child.kills, []);
  await assert.rejects(client.threadStart({}), AppServerClosedError);
});

test("close() escalates to SIGTERM, then SIGKILL, after each grace period", async () => {
  const { child, client, timers } = setup({ closeGraceMs: 1000 });
  child.onKill = (signal) => {
    if (signal === "SIGKILL") child.exit(null, "SIGKILL");
  };
  let done = false;
  const closed = client.close().then(() => (done = true));
  await timers.advance(999);
  assert.deepEqual(child.kills, []);
  await timers.advance(1);
  assert.deepEqual(child.kills, ["SIGTERM"]);
  await timers.advance(999);
  assert.deepEqual(child.kills, ["SIGTERM"]);
  assert.equal(done, false);
  await timers.advance(1);
  await closed;
  assert.deepEqual(child.kills, ["SIGTERM", "SIGKILL"]);
  assert.deepEqual(client.exit, { code: null, signal: "SIGKILL" });
});

test("close() of a child that never exits still resolves and fails what is pending", async () => {
  const { client, timers } = setup({ closeGraceMs: 10, requestTimeoutMs: 60_000 });
  const pending = client.threadStart({});
  const outcome = assert.rejects(pending, AppServerExitedError);
  const closed = client.close();
  await timers.advance(30);
  await closed;
  await outcome;
});

test("close() of a child that had already exited resolves at once", async () => {
  const child = new FakeChild();
  child.exitCode = 0;
  const client = createStdioAppServerClient({ child, timers: new ManualTimers() });
  await client.close();
  assert.deepEqual(child.kills, []);
  await assert.rejects(client.request("thread/list", {}), AppServerClosedError);
  await settle();
});

test("a child that fails to spawn fails requests with the spawn error", async () => {
  const child = spawn("/nonexistent/codex-app-server", ["app-server"]);
  const client = createStdioAppServerClient({ child });
  await assert.rejects(client.initialize(), (error: unknown) => {
    assert.ok(error instanceof AppServerExitedError);
    assert.match(error.message, /ENOENT/);
    return true;
  });
  await client.close();
});

test("a response's awaiting code runs before the notifications that came after it in the same chunk", async () => {
  const { child, client } = setup();
  const order: string[] = [];
  client.events.subscribe((event) => void order.push(event.notificationMethod));
  const started = client.turnStart({ threadId: "t", input: [] }).then(() => void order.push("answer"));
  const [request] = await child.waitForMessages(1);
  child.emitStdout(
    [
      { method: "warning", params: { message: "w" } },
      { id: request?.id, result: { turn: { id: "u" } } },
      { method: "turn/started", params: { threadId: "t", turn: { id: "u" } } },
      { method: "turn/completed", params: { threadId: "t", turn: { id: "u", status: "completed" } } }
    ]
      .map((message) => `${JSON.stringify(message)}\n`)
      .join("")
  );
  // The notification before the response is handled at once; the ones after it wait their turn.
  assert.deepEqual(order, ["warning"]);
  await started;
  assert.deepEqual(order, ["warning", "answer"]);
  // A chunk arriving meanwhile queues behind them: the order on the wire is kept.
  child.send({ method: "thread/status/changed", params: { threadId: "t" } });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, ["warning", "answer", "turn/started", "turn/completed", "thread/status/changed"]);
});

test("held lines are handled before an exit fails what is pending: a held response still answers", async () => {
  const { child, client } = setup();
  const first = client.threadStart({});
  const second = client.turnStart({ threadId: "t", input: [] });
  const [a, b] = await child.waitForMessages(2);
  const events: string[] = [];
  client.events.subscribe((event) => void events.push(event.notificationMethod));
  child.emitStdout(
    `${JSON.stringify({ id: a?.id, result: { thread: { id: "t" } } })}\n` +
      `${JSON.stringify({ method: "thread/started", params: { thread: { id: "t" } } })}\n` +
      `${JSON.stringify({ id: b?.id, result: { turn: { id: "u" } } })}\n`
  );
  child.stdout.emit("end");
  child.exit(0);
  assert.deepEqual(await first, { thread: { id: "t" } });
  assert.deepEqual(await second, { turn: { id: "u" } });
  assert.deepEqual(events, ["thread/started"]);
});
