import assert from "node:assert/strict";
import test from "node:test";
import type { CodexdEvent } from "../src/event-log-filter.js";
import { nextEvent } from "../src/next-event.js";

function publisher() {
  const listeners = new Set<(event: CodexdEvent) => void>();
  let seq = 0;
  return {
    listeners,
    subscribe: (listener: (event: CodexdEvent) => void) => (
      listeners.add(listener), () => void listeners.delete(listener)
    ),
    record: (type: string) => {
      const event = {
        seq: ++seq,
        type,
        at: "",
        sessionId: null,
        threadId: null,
        turnId: null,
        data: null
      } as CodexdEvent;
      for (const listener of [...listeners]) listener(event);
    }
  };
}

test("resolves with the first matching event and unsubscribes", async () => {
  const p = publisher();
  const started = nextEvent(p, (e) => e.type === "child.started");
  p.record("child.exited");
  p.record("child.started");
  p.record("child.started");
  assert.equal((await started).seq, 2);
  assert.equal(p.listeners.size, 0);
});

test("an abort rejects and unsubscribes", async () => {
  const p = publisher();
  const controller = new AbortController();
  const waiting = nextEvent(p, () => true, { signal: controller.signal });
  controller.abort(new Error("test over"));
  await assert.rejects(waiting, /test over/);
  assert.equal(p.listeners.size, 0);
});
