import assert from "node:assert/strict";
import { createServer } from "node:http";
import { connect, createServer as createNetServer } from "node:net";
import { once } from "node:events";
import { test } from "node:test";
import { closedPort, listenOnZero } from "../src/ports.js";

test("listenOnZero binds a kernel-chosen loopback port and returns it", async (t) => {
  const server = createServer((_request, response) => response.end("hi"));
  const port = await listenOnZero(server);
  t.after(() => server.close());
  assert.ok(port > 0);
  const response = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(await response.text(), "hi");
});

test("listenOnZero rejects when the server cannot listen", async (t) => {
  const server = createNetServer();
  t.after(() => server.close());
  // A host that does not resolve: node reports it through the "error" event.
  await assert.rejects(listenOnZero(server, "no-such-host.invalid"));
  assert.equal(server.listenerCount("error"), 0);
});

test("closedPort is a loopback port on which a connection is refused", async () => {
  const port = await closedPort();
  assert.ok(port > 0);
  const socket = connect(port, "127.0.0.1");
  const [error] = await once(socket, "error");
  assert.equal((error as NodeJS.ErrnoException).code, "ECONNREFUSED");
});
