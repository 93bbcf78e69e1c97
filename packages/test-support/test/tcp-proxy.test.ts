import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";
import { test, type TestContext } from "node:test";
import { listenOnZero } from "../src/ports.js";
import { startTcpProxy } from "../src/tcp-proxy.js";

/** An echo server that remembers the client port of every connection it accepted. */
async function echoServer(t: TestContext) {
  const seen: number[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    seen.push(socket.remotePort!);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    socket.pipe(socket);
  });
  const port = await listenOnZero(server);
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return { port, seen };
}

async function open(port: number, t: TestContext): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  t.after(() => socket.destroy());
  await once(socket, "connect");
  return socket;
}

async function echo(socket: Socket, text: string): Promise<string> {
  socket.write(text);
  const [chunk] = await once(socket, "data");
  return String(chunk);
}

test("the proxy forwards, refuses, and comes back on the same port", async (t) => {
  const target = await echoServer(t);
  const proxy = await startTcpProxy({ host: "127.0.0.1", port: target.port });
  t.after(() => proxy.close());
  const port = proxy.port;

  const first = await open(port, t);
  assert.equal(await echo(first, "ping"), "ping");
  assert.deepEqual(proxy.upstreamPorts(), target.seen);

  await proxy.refuse();
  if (!first.closed) await once(first, "close");
  const refused = connect(port, "127.0.0.1");
  const [error] = await once(refused, "error");
  assert.equal((error as NodeJS.ErrnoException).code, "ECONNREFUSED");
  assert.deepEqual(proxy.upstreamPorts(), []);

  await proxy.up();
  assert.equal(proxy.port, port);
  assert.equal(await echo(await open(port, t), "again"), "again");
});

test("a blackholed proxy accepts connections but opens none to the target", async (t) => {
  const target = await echoServer(t);
  const proxy = await startTcpProxy({ host: "127.0.0.1", port: target.port });
  t.after(() => proxy.close());
  const before = await open(proxy.port, t);
  assert.equal(await echo(before, "ping"), "ping");

  proxy.blackhole();
  await open(proxy.port, t);
  assert.equal(target.seen.length, 1);
  assert.equal(proxy.upstreamPorts().length, 1);

  await proxy.refuse();
  await proxy.up();
  assert.equal(await echo(await open(proxy.port, t), "back"), "back");
  assert.equal(target.seen.length, 2);
});
