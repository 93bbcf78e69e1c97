import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test, { type TestContext } from "node:test";
import { UnixHttpClient, type UnixHttpRequest } from "../../src/codexd/unix-http-client.js";

const ORIGIN = "http://127.0.0.1:4319";

function socketPath(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "unix-http-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "s.sock");
}

async function listen(server: Server, path: string, t: TestContext): Promise<void> {
  await new Promise<void>((resolve) => server.listen(path, resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
}

/** A Node HTTP server on a Unix socket; `handle` answers, every request is recorded with its body. */
async function httpOnSocket(
  t: TestContext,
  handle: (req: IncomingMessage, body: string, res: ServerResponse) => void
) {
  const path = socketPath(t);
  const seen: Array<{
    method: string;
    url: string;
    headers: IncomingMessage["headers"];
    body: string;
    socket: Socket;
  }> = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
        socket: req.socket
      });
      handle(req, body, res);
    });
  });
  t.after(() => server.closeAllConnections());
  await listen(server, path, t);
  return { path, seen, server };
}

/** A raw server on a Unix socket: `script` gets the connection and each request's head (no bodies). */
async function rawOnSocket(t: TestContext, script: (socket: Socket, request: string) => void) {
  const path = socketPath(t);
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    let text = "";
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      for (let end = text.indexOf("\r\n\r\n"); end !== -1; end = text.indexOf("\r\n\r\n")) {
        const head = text.slice(0, end);
        text = text.slice(end + 4);
        script(socket, head);
      }
    });
    socket.on("error", () => sockets.delete(socket));
  });
  t.after(() => {
    for (const socket of sockets) socket.destroy();
  });
  await listen(server, path, t);
  return { path };
}

const get = (path: string, extra: Partial<UnixHttpRequest> = {}): UnixHttpRequest => ({
  origin: ORIGIN,
  path,
  method: "GET",
  headers: {},
  timeoutMs: 5000,
  ...extra
});

function client(t: TestContext, path: string, connectTimeoutMs = 2000): UnixHttpClient {
  const made = new UnixHttpClient({ path, connectTimeoutMs });
  t.after(() => made.close());
  return made;
}

test("requests carry the method, path, Host of the TCP origin, headers and body; responses come back as bytes with their type and retry-after", async (t) => {
  const codexd = await httpOnSocket(t, (req, body, res) => {
    if (req.url === "/busy") {
      res.writeHead(429, { "content-type": "application/json; charset=utf-8", "Retry-After": "3" });
      res.end('{"ok":false}');
      return;
    }
    res.writeHead(req.method === "POST" ? 202 : 200, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify({ method: req.method, url: req.url, body }));
  });
  const unix = client(t, codexd.path);
  const posted = await unix.request({
    ...get("/v1/codexd/turn?x=1"),
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: '{"input":"héllo"}'
  });
  assert.equal(posted.status, 202);
  assert.equal(posted.headers["content-type"], "application/json; charset=utf-8");
  assert.equal(posted.headers["retry-after"], undefined);
  assert.deepEqual(JSON.parse(posted.body.toString()), {
    method: "POST",
    url: "/v1/codexd/turn?x=1",
    body: '{"input":"héllo"}'
  });
  const first = codexd.seen[0]!;
  assert.equal(first.headers.host, "127.0.0.1:4319");
  assert.equal(first.headers["content-type"], "application/json");
  assert.equal(first.headers.accept, "application/json");
  assert.equal(first.headers["content-length"], String(Buffer.byteLength('{"input":"héllo"}')));

  const bytes = await unix.request({
    ...get("/bytes"),
    method: "POST",
    headers: { "content-type": "application/json" },
    body: Buffer.from('{"a":1}')
  });
  assert.deepEqual(JSON.parse(bytes.body.toString()), { method: "POST", url: "/bytes", body: '{"a":1}' });
  const empty = await unix.request({ ...get("/close"), method: "POST" });
  assert.equal(codexd.seen.at(-1)!.headers["content-length"], "0");
  assert.equal(empty.status, 202);

  const busy = await unix.request(get("/busy"));
  assert.equal(busy.status, 429);
  assert.equal(busy.headers["retry-after"], "3");
  assert.equal(busy.body.toString(), '{"ok":false}');
  assert.equal(
    new Set(codexd.seen.map((seen) => seen.socket)).size,
    1,
    "one keep-alive connection carried every call"
  );
});

test("chunked, empty, interim and read-until-close responses are read whole", async (t) => {
  const { path } = await rawOnSocket(t, (socket, request) => {
    const url = request.split(" ", 2)[1];
    if (url === "/chunked") {
      socket.write("HTTP/1.1 100 Continue\r\n\r\n");
      socket.write(
        'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\n{"a":\r\n'
      );
      setImmediate(() => socket.write("3\r\n12}\r\n0\r\nx-trailer: 1\r\n\r\n"));
    } else if (url === "/empty") {
      socket.write("HTTP/1.1 204 No Content\r\nRETRY-after: 9\r\n\r\n");
    } else {
      socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n{"until":"close"}');
    }
  });
  const unix = client(t, path);
  const chunked = await unix.request(get("/chunked"));
  assert.equal(chunked.status, 200);
  assert.equal(chunked.body.toString(), '{"a":12}');
  assert.equal(chunked.headers["content-type"], "application/json");
  const empty = await unix.request(get("/empty"));
  assert.deepEqual([empty.status, empty.body.length, empty.headers["retry-after"]], [204, 0, "9"]);
  const untilClose = await unix.request(get("/close"));
  assert.equal(untilClose.body.toString(), '{"until":"close"}');
});

test("no socket file is ENOENT (the transport falls back to TCP); a silent codexd is a TimeoutError; a broken response fails", async (t) => {
  const missing = client(t, join(socketPath(t), "..", "none.sock"));
  await assert.rejects(
    missing.request(get("/x")),
    (error: unknown) => (error as { code?: string }).code === "ENOENT"
  );

  const { path } = await rawOnSocket(t, (socket, request) => {
    const url = request.split(" ", 2)[1];
    if (url === "/garbage") socket.write("SMTP ready\r\n\r\n");
    else if (url === "/cut") socket.end("HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n{");
    // "/hang": never answers
  });
  const unix = client(t, path);
  await assert.rejects(
    unix.request(get("/hang", { timeoutMs: 50 })),
    (error: unknown) => (error as Error).name === "TimeoutError"
  );
  await assert.rejects(unix.request(get("/garbage")), /not HTTP/);
  await assert.rejects(
    unix.request(get("/cut")),
    (error: unknown) => (error as { code?: string }).code === "ECONNRESET"
  );
  await assert.rejects(
    unix.request({ ...get("/x"), headers: { accept: "a\r\nx-injected: 1" } }),
    /cannot carry/
  );
});

test("a connection the server closed while idle is not reused; close waits for calls in flight", async (t) => {
  let release: (() => void) | undefined;
  const codexd = await httpOnSocket(t, (req, _body, res) => {
    const respond = () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    };
    if (req.url === "/slow") release = respond;
    else respond();
  });
  const unix = client(t, codexd.path);
  await unix.request(get("/a"));
  // The server drops its idle keep-alive connections (as codexd does when it restarts): whether
  // the client has seen that yet or finds out when its call fails, a GET goes on a new connection.
  codexd.server.closeIdleConnections();
  const again = await unix.request(get("/b"));
  assert.equal(again.status, 200);
  assert.notEqual(codexd.seen[1]!.socket, codexd.seen[0]!.socket);

  const slow = unix.request(get("/slow"));
  while (release === undefined) await new Promise((resolve) => setImmediate(resolve));
  let closed = false;
  const closing = unix.close().then(() => (closed = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(closed, false, "close waits for the call in flight");
  release();
  assert.equal((await slow).status, 200);
  await closing;
  await assert.rejects(unix.request(get("/c")), /closed/);
});
