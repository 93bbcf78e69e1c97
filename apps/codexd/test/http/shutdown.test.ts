import assert from "node:assert/strict";
import { once } from "node:events";
import test from "node:test";
import WebSocket from "ws";
import { startFakeCodexd } from "../support/start-fake-codexd.js";

test("stopping codexd closes each event stream with 1001 and says it is shutting down", async () => {
  const codexd = await startFakeCodexd();
  try {
    const socket = new WebSocket(`${codexd.base.replace(/^http/, "ws")}/v1/codexd/events`);
    await once(socket, "open");
    const closed = once(socket, "close") as Promise<[number, Buffer]>;
    await codexd.service.stop();
    const [code, reason] = await closed;
    assert.equal(code, 1001);
    assert.equal(String(reason), "codexd is shutting down");
  } finally {
    await codexd.stop();
  }
});
