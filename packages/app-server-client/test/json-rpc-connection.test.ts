import assert from "node:assert/strict";
import test from "node:test";
import { setImmediate as settle } from "node:timers/promises";
import { ManualTimers } from "@baa/clock/testing";

import { AppServerExitedError, AppServerTimeoutError, JsonRpcError } from "../src/errors.js";
import { JsonRpcConnection, type JsonRpcConnectionOptions } from "../src/json-rpc-connection.js";

type Message = Record<string, unknown>;

function setup(overrides: Partial<JsonRpcConnectionOptions> = {}) {
  const timers = new ManualTimers();
  const sent: Message[] = [];
  const notifications: Array<[string, unknown]> = [];
  const protocolErrors: Array<[string, string | undefined]> = [];
  const nonProtocol: string[] = [];
  const connection = new JsonRpcConnection({
    write: (line) => void sent.push(JSON.parse(line) as Message),
    onNotification: (method, params) => void notifications.push([method, params]),
    onServerRequest: async () => ({ ok: true }),
    onProtocolError: (error, line) => void protocolErrors.push([error.message, line]),
    onNonProtocolLine: (line) => void nonProtocol.push(line),
    requestTimeoutMs: 1000,
    timers,
    random: () => 0.5,
    ...overrides
  });
  const reply = (message: Message): boolean => connection.handleLine(JSON.stringify(message));
  return { connection, timers, sent, notifications, protocolErrors, nonProtocol, reply };
}

test("ids increase and responses match their request even out of order", async () => {
  const { connection, sent, reply } = setup();
  const a = connection.request("thread/start", { cwd: "/a" });
  const b = connection.request("turn/start", { threadId: "t" });
  assert.deepEqual(
    sent.map((m) => [m.id, m.method, m.jsonrpc]),
    [
      [1, "thread/start", "2.0"],
      [2, "turn/start", "2.0"]
    ]
  );
  reply({ id: 2, result: { turn: { id: "u" } } });
  reply({ id: 1, result: { thread: { id: "t" } } });
  assert.deepEqual(await a, { thread: { id: "t" } });
  assert.deepEqual(await b, { turn: { id: "u" } });
  assert.equal(connection.pendingCount, 0);
});

test("an unanswered request times out with its method name; a late answer is only reported", async () => {
  const { connection, timers, reply, protocolErrors } = setup();
  const pending = connection.request("turn/steer", {});
  const outcome = assert.rejects(pending, (error: unknown) => {
    assert.ok(error instanceof AppServerTimeoutError);
    assert.equal(error.method, "turn/steer");
    assert.equal(error.timeoutMs, 1000);
    return true;
  });
  await timers.advance(999);
  assert.equal(connection.pendingCount, 1);
  await timers.advance(1);
  await outcome;
  reply({ id: 1, result: {} });
  assert.match(protocolErrors[0]?.[0] ?? "", /unknown request id 1/);
});

test("an error response rejects with a JsonRpcError carrying code, message, data", async () => {
  const { connection, reply } = setup();
  const pending = connection.request("turn/steer", {});
  reply({ id: 1, error: { code: -32600, message: "no active turn to steer", data: { x: 1 } } });
  await assert.rejects(pending, (error: unknown) => {
    assert.ok(error instanceof JsonRpcError);
    assert.equal(error.code, -32600);
    assert.equal(error.rpcMessage, "no active turn to steer");
    assert.deepEqual(error.data, { x: 1 });
    assert.equal(error.method, "turn/steer");
    return true;
  });
});

test("-32001 is retried with backoff under a fresh id until it succeeds", async () => {
  const { connection, timers, sent, reply } = setup();
  const pending = connection.request("turn/start", { threadId: "t" });
  reply({ id: 1, error: { code: -32001, message: "overloaded" } });
  await timers.advance(0);
  // First retry waits random(0.5) * 100 ms.
  assert.equal(sent.length, 1);
  await timers.advance(49);
  assert.equal(sent.length, 1);
  await timers.advance(1);
  assert.equal(sent.length, 2);
  reply({ id: 2, error: { code: -32001, message: "overloaded" } });
  await timers.advance(100);
  assert.deepEqual(
    sent.map((m) => [m.id, m.method]),
    [
      [1, "turn/start"],
      [2, "turn/start"],
      [3, "turn/start"]
    ]
  );
  reply({ id: 3, result: { turn: { id: "u" } } });
  assert.deepEqual(await pending, { turn: { id: "u" } });
});

test("-32001 gives up after maxAttempts and rejects with the last error", async () => {
  const { connection, timers, sent, reply } = setup({ overloadRetry: { maxAttempts: 3 } });
  const pending = connection.request("thread/start", {});
  const outcome = assert.rejects(
    pending,
    (error: unknown) => error instanceof JsonRpcError && error.code === -32001
  );
  for (let id = 1; id <= 3; id += 1) {
    reply({ id, error: { code: -32001, message: "overloaded" } });
    await timers.advance(200);
  }
  await outcome;
  await timers.advance(10_000);
  assert.equal(sent.length, 3);
});

test("other error codes are never retried", async () => {
  const { connection, timers, sent, reply } = setup();
  const pending = connection.request("thread/start", {});
  reply({ id: 1, error: { code: -32603, message: "internal" } });
  await assert.rejects(pending, JsonRpcError);
  await timers.advance(10_000);
  assert.equal(sent.length, 1);
});

test("terminate rejects requests in flight and in backoff at once, and later ones immediately", async () => {
  const { connection, reply } = setup();
  const inFlight = connection.request("a", {});
  const backingOff = connection.request("b", {});
  reply({ id: 2, error: { code: -32001, message: "overloaded" } });
  await settle();
  assert.equal(connection.pendingCount, 2);
  const gone = new AppServerExitedError(1, null);
  const outcomes = [
    assert.rejects(inFlight, (error) => error === gone),
    assert.rejects(backingOff, (error) => error === gone)
  ];
  connection.terminate(gone);
  await Promise.all(outcomes);
  await assert.rejects(connection.request("c", {}), (error) => error === gone);
  assert.throws(
    () => connection.notify("initialized"),
    (error) => error === gone
  );
});

test("an aborted request rejects with the signal's reason", async () => {
  const { connection } = setup();
  const controller = new AbortController();
  const pending = connection.request("a", {}, { signal: controller.signal });
  controller.abort(new Error("caller gave up"));
  await assert.rejects(pending, /caller gave up/);
  assert.equal(connection.pendingCount, 0);
});

test("notifications are passed on in order; notify sends no id", () => {
  const { connection, sent, notifications, reply } = setup();
  reply({ method: "turn/started", params: { n: 1 } });
  reply({ method: "item/agentMessage/delta", params: { n: 2 } });
  reply({ jsonrpc: "2.0", method: "turn/completed", params: { n: 3 } });
  assert.deepEqual(
    notifications.map(([method]) => method),
    ["turn/started", "item/agentMessage/delta", "turn/completed"]
  );
  connection.notify("initialized");
  assert.deepEqual(sent, [{ jsonrpc: "2.0", method: "initialized" }]);
});

test("server requests: result, JsonRpcError, other throw, undefined result", async () => {
  const { sent, reply } = setup({
    onServerRequest: async (request) => {
      switch (request.method) {
        case "ok":
          return { decision: "accept" };
        case "refuse":
          throw new JsonRpcError(-32602, "bad params", { field: "x" });
        case "nothing":
          return undefined;
        default:
          throw new TypeError("handler bug");
      }
    }
  });
  reply({ id: "s1", method: "ok", params: {} });
  reply({ id: 7, method: "refuse", params: {} });
  reply({ id: 8, method: "crash", params: {} });
  reply({ id: 9, method: "nothing", params: {} });
  await settle();
  const byId = new Map(sent.map((m) => [m.id, m]));
  assert.deepEqual(byId.get("s1"), { jsonrpc: "2.0", id: "s1", result: { decision: "accept" } });
  assert.deepEqual(byId.get(7), {
    jsonrpc: "2.0",
    id: 7,
    error: { code: -32602, message: "bad params", data: { field: "x" } }
  });
  assert.equal((byId.get(8)?.error as { code: number } | undefined)?.code, -32603);
  assert.deepEqual(byId.get(9), { jsonrpc: "2.0", id: 9, result: null });
});

test("a result that cannot be serialized is still answered, with -32603", async () => {
  const { sent, reply } = setup({ onServerRequest: async () => ({ big: 1n }) });
  reply({ id: 1, method: "x", params: {} });
  await settle();
  assert.equal((sent[0]?.error as { code: number } | undefined)?.code, -32603);
});

test("non-JSON lines go to onNonProtocolLine; malformed JSON-RPC to onProtocolError", () => {
  const { connection, nonProtocol, protocolErrors, notifications } = setup();
  connection.handleLine("WARNING: something on stdout");
  connection.handleLine("   ");
  connection.handleLine("42");
  connection.handleLine('{"hello":"world"}');
  assert.deepEqual(nonProtocol, ["WARNING: something on stdout"]);
  assert.deepEqual(
    protocolErrors.map(([, line]) => line),
    ["42", '{"hello":"world"}']
  );
  assert.deepEqual(notifications, []);
});
