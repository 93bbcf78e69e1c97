import assert from "node:assert/strict";
import test from "node:test";
import Fastify from "fastify";
import { installErrorHandling } from "@baa/api-errors";
import { installShutdownGate } from "../src/index.js";

test("the shutdown gate answers shutting_down with Retry-After once the app is closing", async () => {
  // Fastify's own 503 on closing is off, as in each service: the gate answers instead.
  const server = Fastify({ return503OnClosing: false, forceCloseConnections: true });
  installErrorHandling(server);
  installShutdownGate(server, { service: "test-service", retryAfterSeconds: 2 });
  server.get("/limited", async () => ({ ok: true }));
  // Runs after the gate's own preClose hook: from here on the app counts as closing.
  let reached!: () => void;
  const closing = new Promise<void>((resolve) => (reached = resolve));
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  server.addHook("preClose", async () => {
    reached();
    await held;
  });
  const address = await server.listen({ host: "127.0.0.1", port: 0 });
  assert.equal((await fetch(`${address}/limited`)).status, 200, "open before closing");
  const closed = server.close();
  await closing;
  const response = await fetch(`${address}/limited`);
  release();
  await closed;
  assert.equal(response.status, 503);
  assert.equal(response.headers.get("retry-after"), "2");
  assert.deepEqual(await response.json(), {
    ok: false,
    error: { code: "shutting_down", message: "test-service is shutting down" }
  });
});
