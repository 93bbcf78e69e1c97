import assert from "node:assert/strict";
import { EventEmitter, once } from "node:events";
import { createServer as createHttpServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import test from "node:test";
import { closedPort, eventually, listenOnZero, tempDir } from "@baa/test-support";
import WebSocket, { WebSocketServer } from "ws";
import { EventsRelay } from "../../src/codexd/events-relay.js";
import { createSilentLogger } from "../../src/logger.js";
import { startFakeCodexd } from "../helpers/fake-codexd.js";
import { startConductor } from "../helpers/conductor.js";

const wsUrl = (baseUrl: string, path: string) => `${baseUrl.replace(/^http/, "ws")}${path}`;

async function closeOf(socket: WebSocket): Promise<{ code: number; reason: string }> {
  const [code, reason] = (await once(socket, "close")) as [number, Buffer];
  return { code, reason: reason.toString("utf8") };
}

async function setup(t: test.TestContext, fakeOptions: Parameters<typeof startFakeCodexd>[0] = {}) {
  const dir = tempDir(t);
  const codexd = await startFakeCodexd(fakeOptions);
  t.after(() => codexd.close());
  const { runtime, baseUrl } = await startConductor(dir.root, codexd.baseUrl);
  t.after(() => runtime.stop());
  return { codexd, runtime, baseUrl };
}

test("events arrive in order and the query string reaches codexd", async (t) => {
  const { codexd, baseUrl } = await setup(t, {
    wsEventCount: 200,
    wsCloseWith: { code: 4000, reason: "replay done" }
  });
  const client = new WebSocket(wsUrl(baseUrl, "/v1/codex/events?after=7&sessionId=session-1"), {
    headers: { authorization: "Bearer test-token-0123456789abcdef012345" }
  });
  const received: number[] = [];
  client.on("message", (data) => received.push((JSON.parse(data.toString()) as { seq: number }).seq));
  const closed = await closeOf(client);
  assert.deepEqual(
    received,
    Array.from({ length: 200 }, (_, index) => index + 1)
  );
  assert.deepEqual(
    closed,
    { code: 4000, reason: "replay done" },
    "codexd's close code and reason pass through"
  );
  assert.equal(codexd.wsConnections[0]?.url, "/v1/codexd/events?after=7&sessionId=session-1");
  assert.equal(codexd.wsConnections[0]?.headers.authorization, undefined);
});

test("an abnormal upstream end closes the client with 1011", async (t) => {
  const { codexd, baseUrl } = await setup(t, { wsEventCount: 1 });
  const client = new WebSocket(wsUrl(baseUrl, "/v1/codex/events"));
  await once(client, "message");
  codexd.wsConnections[0]!.socket.terminate();
  assert.equal((await closeOf(client)).code, 1011);
});

test("codexd unreachable: the client is closed with 1013 codexd unavailable", {
  timeout: 10_000
}, async (t) => {
  const dir = tempDir(t);
  // The refusal closes the client, not the handshake timeout: it could not fire within the test's timeout.
  const { runtime, baseUrl } = await startConductor(dir.root, `http://127.0.0.1:${await closedPort()}`, {
    codexdConnectTimeoutMs: 600_000
  });
  t.after(() => runtime.stop());
  const client = new WebSocket(wsUrl(baseUrl, "/v1/codex/events?after=0"));
  assert.deepEqual(await closeOf(client), { code: 1013, reason: "codexd unavailable" });
});

test("a client that leaves closes its upstream", async (t) => {
  const { codexd, baseUrl } = await setup(t, { wsEventCount: 1 });
  const client = new WebSocket(wsUrl(baseUrl, "/v1/codex/events"));
  await once(client, "message");
  const upstream = codexd.wsConnections[0]!.socket;
  const upstreamClosed = once(upstream, "close");
  client.close(1000, "bye");
  await upstreamClosed;
});

test("stopping the runtime closes relayed streams with 1001", async (t) => {
  const { codexd, runtime, baseUrl } = await setup(t, { wsEventCount: 1 });
  const client = new WebSocket(wsUrl(baseUrl, "/v1/codex/events"));
  await once(client, "message");
  const upstreamClosed = once(codexd.wsConnections[0]!.socket, "close");
  const clientClosed = closeOf(client);
  await runtime.stop();
  assert.deepEqual(await clientClosed, { code: 1001, reason: "conductor shutting down" });
  await upstreamClosed;
});

test("a client that cannot keep up is cut off instead of buffering without bound", async (t) => {
  let cutOffs = 0;
  const codexd = await startFakeCodexd({ wsEventCount: 5 });
  t.after(() => codexd.close());
  const relay = new EventsRelay({
    upstreamUrl: (search) => `${codexd.baseUrl.replace("http", "ws")}/v1/codexd/events${search}`,
    connectTimeoutMs: 1000,
    maxBufferedBytes: 100,
    logger: createSilentLogger(),
    onCutOff: () => (cutOffs += 1)
  });
  // A stand-in client whose send buffer never drains.
  const sent: string[] = [];
  const closes: Array<[number, string]> = [];
  const client = Object.assign(new EventEmitter(), {
    readyState: WebSocket.OPEN as number,
    bufferedAmount: 0,
    send(data: Buffer) {
      sent.push(data.toString());
      client.bufferedAmount += 1000;
    },
    close(code: number, reason: string) {
      closes.push([code, reason]);
      client.readyState = WebSocket.CLOSING;
    },
    terminate() {}
  });
  relay.attach(client as unknown as WebSocket, "");
  const upstream = await eventually(() => codexd.wsConnections[0]?.socket, "the upstream connection");
  // The relay may have cut it off already while eventually paused between reads.
  if (upstream.readyState !== WebSocket.CLOSED) await once(upstream, "close");
  assert.equal(sent.length, 1, "nothing more is queued once the bound is exceeded");
  assert.equal(closes[0]?.[0], 4008, "the same slow-consumer code as codexd");
  assert.match(closes[0]?.[1] ?? "", /too slow/);
  assert.equal(cutOffs, 1, "the cut-off is reported (the metrics count it)");
  assert.equal(relay.size, 0);
});

/** A stand-in codexd event stream on TCP and on a Unix socket file; each connection gets one event naming how it came. */
async function startStreamOnBoth(t: test.TestContext) {
  const socketPath = tempDir(t, "relay-sock-").path("codexd.sock");
  const seen: Array<{ url: string; host: string | undefined; viaSocket: boolean }> = [];
  const http = createHttpServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http });
  wss.on("connection", (socket, req) => {
    const entry = {
      url: req.url ?? "",
      host: req.headers.host,
      viaSocket: req.socket.remoteAddress === undefined
    };
    seen.push(entry);
    socket.send(JSON.stringify(entry));
  });
  const port = await listenOnZero(http);
  const unix = createNetServer((socket) => http.emit("connection", socket));
  await new Promise<void>((resolve) => unix.listen(socketPath, resolve));
  t.after(async () => {
    for (const client of wss.clients) client.terminate();
    http.closeAllConnections();
    await new Promise<void>((resolve) => unix.close(() => resolve()));
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });
  return { port, socketPath, seen };
}

function recordingClient() {
  const sent: string[] = [];
  const client = Object.assign(new EventEmitter(), {
    readyState: WebSocket.OPEN as number,
    bufferedAmount: 0,
    send: (data: Buffer) => void sent.push(data.toString()),
    close() {
      client.readyState = WebSocket.CLOSED;
    },
    terminate() {}
  });
  return { client, sent };
}

test("with codexd's socket known, the stream is relayed over it with codexd's own Host; a socket that is gone falls back to TCP", async (t) => {
  const codexd = await startStreamOnBoth(t);
  const host = `127.0.0.1:${codexd.port}`;
  let socketPath = codexd.socketPath;
  const relay = new EventsRelay({
    upstreamUrl: (search) => `ws://${host}/v1/codexd/events${search}`,
    upstreamSocket: (search) => ({ url: `ws+unix://${socketPath}:/v1/codexd/events${search}`, host }),
    connectTimeoutMs: 1000,
    logger: createSilentLogger()
  });
  t.after(() => relay.closeAll());
  const first = recordingClient();
  relay.attach(first.client as unknown as WebSocket, "?after=3");
  const overSocket = JSON.parse(
    await eventually(() => first.sent[0], "the event over the socket")
  ) as unknown;
  assert.deepEqual(overSocket, { url: "/v1/codexd/events?after=3", host, viaSocket: true });

  socketPath = `${codexd.socketPath}.gone`;
  const second = recordingClient();
  relay.attach(second.client as unknown as WebSocket, "?after=4");
  const overTcp = JSON.parse(await eventually(() => second.sent[0], "the event over TCP")) as unknown;
  assert.deepEqual(overTcp, { url: "/v1/codexd/events?after=4", host, viaSocket: false });
  assert.equal(relay.size, 2);
});
