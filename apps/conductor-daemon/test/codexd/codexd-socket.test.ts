import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test, { type TestContext } from "node:test";
import { CodexdClient } from "../../src/codexd/codexd-client.js";

interface Seen {
  method: string;
  url: string;
  host: string | undefined;
  /** True when the request came over the Unix socket (a Unix peer has no address). */
  viaSocket: boolean;
}

/** A stand-in codexd on TCP and on a Unix socket file, advertising the socket in its status. */
async function startSocketCodexd(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), "conductor-sock-"));
  const socketPath = join(dir, "codexd.sock");
  const seen: Seen[] = [];
  const http = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        host: req.headers.host,
        viaSocket: req.socket.remoteAddress === undefined
      });
      res.writeHead(200, { "content-type": "application/json" });
      const data =
        req.url === "/v1/codexd/status"
          ? { service: { localSocketPath: socketPath }, snapshot: {} }
          : { echo: req.url };
      res.end(JSON.stringify({ ok: true, data }));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  let unix: NetServer | undefined = createNetServer((socket) => http.emit("connection", socket));
  await new Promise<void>((resolve) => unix?.listen(socketPath, resolve));
  const baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const closeSocket = async () => {
    const server = unix;
    unix = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.after(async () => {
    http.closeAllConnections();
    await closeSocket();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });
  return { baseUrl, socketPath, seen, closeSocket };
}

test("after codexd's status names its socket, calls go over it with codexd's own Host", async (t) => {
  const codexd = await startSocketCodexd(t);
  const client = new CodexdClient({
    baseUrl: codexd.baseUrl,
    requestTimeoutMs: 5000,
    connectTimeoutMs: 2000
  });
  t.after(() => client.close());
  assert.equal(client.socketPath, null);
  assert.equal(client.eventsSocket(""), null, "the event stream stays on TCP until the socket is known");
  await client.status();
  assert.equal(client.socketPath, codexd.socketPath);
  assert.deepEqual(client.eventsSocket("?after=2"), {
    url: `ws+unix://${codexd.socketPath}:/v1/codexd/events?after=2`,
    host: new URL(codexd.baseUrl).host
  });

  const reply = await client.request({ method: "GET", pathAndQuery: "/v1/codexd/sessions?x=1" });
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.json, { ok: true, data: { echo: "/v1/codexd/sessions?x=1" } });
  const last = codexd.seen.at(-1);
  assert.deepEqual(last, {
    method: "GET",
    url: "/v1/codexd/sessions?x=1",
    host: new URL(codexd.baseUrl).host,
    viaSocket: true
  });
  assert.equal(codexd.seen[0]?.viaSocket, false, "the status that named the socket came over TCP");
});

test("the first call asks codexd for its socket in the background; later calls use it", async (t) => {
  const codexd = await startSocketCodexd(t);
  const client = new CodexdClient({
    baseUrl: codexd.baseUrl,
    requestTimeoutMs: 5000,
    connectTimeoutMs: 2000
  });
  t.after(() => client.close());
  await client.request({ method: "GET", pathAndQuery: "/v1/codexd/sessions" });
  // The background status call is the only other request; wait for its response to be applied.
  for (let spins = 0; client.socketPath === null; spins += 1) {
    assert.ok(spins < 100_000, "the background status call never applied the socket");
    await new Promise((resolve) => setImmediate(resolve));
  }
  await client.request({ method: "GET", pathAndQuery: "/v1/codexd/sessions" });
  assert.equal(codexd.seen.length, 3);
  const firstTwo = codexd.seen.slice(0, 2).map((s) => `${s.url} ${s.viaSocket ? "socket" : "tcp"}`);
  assert.deepEqual(firstTwo.sort(), ["/v1/codexd/sessions tcp", "/v1/codexd/status tcp"]);
  assert.deepEqual(codexd.seen[2], {
    method: "GET",
    url: "/v1/codexd/sessions",
    host: new URL(codexd.baseUrl).host,
    viaSocket: true
  });
});

test("a socket that cannot be connected to is dropped: the call, a POST too, goes once over TCP", async (t) => {
  const codexd = await startSocketCodexd(t);
  const client = new CodexdClient({
    baseUrl: codexd.baseUrl,
    requestTimeoutMs: 5000,
    connectTimeoutMs: 2000
  });
  t.after(() => client.close());
  await client.status();
  assert.equal(client.socketPath, codexd.socketPath);
  await codexd.closeSocket();

  const reply = await client.request({
    method: "POST",
    pathAndQuery: "/v1/codexd/turn",
    body: "{}",
    contentType: "application/json"
  });
  assert.equal(reply.status, 200);
  const posts = codexd.seen.filter((s) => s.method === "POST");
  assert.deepEqual(posts, [
    { method: "POST", url: "/v1/codexd/turn", host: new URL(codexd.baseUrl).host, viaSocket: false }
  ]);
  assert.equal(client.socketPath, null);
});
