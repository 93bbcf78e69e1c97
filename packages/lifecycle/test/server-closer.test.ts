import assert from "node:assert/strict";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import test from "node:test";
import { trackConnections } from "../src/index.js";

test("a request whose body never completes cannot hold the close past the grace", async () => {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.end("ok"));
  });
  const closer = trackConnections(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  // Promises 100 bytes, sends 5: the server waits for the rest forever.
  const client = request({ host: "127.0.0.1", port, method: "POST", headers: { "content-length": "100" } });
  client.on("error", () => {});
  client.write("hello");
  await new Promise<void>((resolve) => server.once("request", () => resolve()));
  assert.equal(closer.open, 1);
  const outcome = await closer.close(() => new Promise<void>((resolve) => server.close(() => resolve())), 50);
  assert.equal(outcome, "forced");
  assert.equal(closer.open, 0);
});

test("a server with nothing in flight drains without force", async () => {
  const server = createServer((_req, res) => res.end("ok"));
  const closer = trackConnections(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const outcome = await closer.close(
    () => new Promise<void>((resolve) => server.close(() => resolve())),
    10_000
  );
  assert.equal(outcome, "drained");
});
