import assert from "node:assert/strict";
import test from "node:test";

import { EventStream, toAppServerEvent } from "../src/event-stream.js";

test("flattens params and names the event after the method", () => {
  assert.deepEqual(toAppServerEvent("turn/completed", { threadId: "t1", turn: { id: "u1" } }), {
    threadId: "t1",
    turn: { id: "u1" },
    notificationMethod: "turn/completed",
    type: "turn.completed"
  });
});

test("type and notificationMethod win over params keys of the same name", () => {
  const event = toAppServerEvent("item/agentMessage/delta", {
    type: "x",
    notificationMethod: "y",
    delta: "d"
  });
  assert.equal(event.type, "item.agentMessage.delta");
  assert.equal(event.notificationMethod, "item/agentMessage/delta");
  assert.equal(event.delta, "d");
});

test("missing or non-object params give a bare event", () => {
  assert.deepEqual(toAppServerEvent("initialized", undefined), {
    notificationMethod: "initialized",
    type: "initialized"
  });
  assert.deepEqual(Object.keys(toAppServerEvent("x", [1, 2])).sort(), ["notificationMethod", "type"]);
});

test("a throwing listener is reported and the others still get every event", () => {
  const reported: unknown[] = [];
  const stream = new EventStream<number>((error) => reported.push(error));
  const got: number[] = [];
  stream.subscribe(() => {
    throw new Error("boom");
  });
  stream.subscribe((n) => got.push(n));
  stream.emit(1);
  stream.emit(2);
  assert.deepEqual(got, [1, 2]);
  assert.equal(reported.length, 2);
});

test("unsubscribe removes exactly that subscription", () => {
  const stream = new EventStream<string>();
  const got: string[] = [];
  const listener = (s: string): void => void got.push(s);
  const first = stream.subscribe(listener);
  stream.subscribe(listener);
  stream.emit("a");
  first.unsubscribe();
  first.unsubscribe();
  stream.emit("b");
  assert.deepEqual(got, ["a", "a", "b"]);
  assert.equal(stream.size, 1);
});
