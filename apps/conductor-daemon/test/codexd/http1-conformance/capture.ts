// Runs generated responses through real servers and node's own HTTP client: what node's client
// makes of each response is the expected value, and the bytes it received are what the reader gets.
import {
  Agent,
  createServer as createHttpServer,
  request,
  type Server as HttpServer,
  type ServerResponse
} from "node:http";
import {
  createConnection,
  createServer as createNetServer,
  type AddressInfo,
  type NetConnectOpts,
  type Server,
  type Socket
} from "node:net";
import { hasNoBody, type ConnectionCase, type ResponseCase } from "./cases.js";

/** What node's HTTP client read of one response, in the reader's terms. */
export interface Expected {
  status: number;
  contentType: string | undefined;
  retryAfter: string | undefined;
  keepAlive: boolean;
  serverKeepAliveMs: number | undefined;
  body: Buffer;
}

/** One connection's responses as node's client read them, and every byte it received. */
export interface Captured {
  expected: Expected[];
  bytes: Buffer;
}

/** node's `http` server and a raw socket server, both answering `GET|HEAD /c/<id>` from `cases`. */
export async function startServers(
  cases: Map<number, ResponseCase>
): Promise<{ ports: Record<"node" | "raw", number>; close(): Promise<void> }> {
  const lookup = (url: string | undefined): ResponseCase => {
    const found = cases.get(Number(/^\/c\/(\d+)$/.exec(url ?? "")?.[1]));
    if (found === undefined) throw new Error(`no case for ${url}`);
    return found;
  };
  const node = createHttpServer((req, res) => sendWithNode(lookup(req.url), res));
  const sockets = new Set<Socket>();
  const raw = createNetServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    // A reset by the client (its agent destroyed with the connection open) only ends this socket.
    socket.on("error", () => socket.destroy());
    let text = "";
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      for (let end = text.indexOf("\r\n\r\n"); end !== -1; end = text.indexOf("\r\n\r\n")) {
        const response = lookup(text.slice(0, end).split(" ", 2)[1]);
        text = text.slice(end + 4);
        socket.write(response.bytes);
        if (response.closes) socket.end();
      }
    });
  });
  const listen = (server: Server | HttpServer) =>
    new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port))
    );
  const ports = { node: await listen(node), raw: await listen(raw) };
  return {
    ports,
    close: async () => {
      node.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        [node, raw].map((server) => new Promise<void>((resolve) => server.close(() => resolve())))
      );
    }
  };
}

function sendWithNode(response: ResponseCase, res: ServerResponse): void {
  const head: string[] = response.headers.flat();
  const noBody = hasNoBody(response);
  if (response.framing === "length" && response.status !== 204 && response.status !== 304) {
    head.push("Content-Length", String(response.body.length));
  }
  // An array keeps the names' case and lets a name repeat.
  res.writeHead(response.status, head);
  if (!noBody) {
    let offset = 0;
    for (const size of response.pieces) {
      res.write(response.body.subarray(offset, offset + size));
      offset += size;
    }
    if (response.trailers.length > 0) res.addTrailers(response.trailers);
  }
  res.end();
}

/**
 * Sends `connection`'s requests one after another on one keep-alive agent, recording what came
 * back. Where node's client would not reuse a connection the server kept open, it opens another:
 * the bytes are still those one connection would have carried.
 */
export async function capture(connection: ConnectionCase, port: number): Promise<Captured> {
  const received: Buffer[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  // Our listener is added before the client's parser's, so it sees every byte first.
  agent.createConnection = (options) => {
    const socket = createConnection(options as NetConnectOpts);
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    return socket;
  };
  try {
    const expected: Expected[] = [];
    for (const response of connection.responses) expected.push(await readWithNode(agent, port, response));
    return { expected, bytes: Buffer.concat(received) };
  } finally {
    agent.destroy();
  }
}

function readWithNode(agent: Agent, port: number, response: ResponseCase): Promise<Expected> {
  return new Promise<Expected>((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, method: response.method, path: `/c/${response.id}`, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const keepAlive = header(res.headers["keep-alive"]);
          // The timeout node's agent reads from the server's keep-alive header.
          const timeout = keepAlive === undefined ? undefined : /^timeout=(\d+)/.exec(keepAlive)?.[1];
          resolve({
            status: res.statusCode ?? 0,
            contentType: header(res.headers["content-type"]),
            retryAfter: header(res.headers["retry-after"]),
            // The server's known intent (RFC 9112 9.3), not node's `shouldKeepAlive`: node 20's client
            // says no to a HEAD response without a length, and to `keep-alive`/`close` with a tab after.
            keepAlive: !response.closes,
            serverKeepAliveMs: timeout === undefined ? undefined : Number(timeout) * 1000,
            body: Buffer.concat(chunks)
          });
        });
      }
    );
    req.on("error", (error) =>
      reject(new Error(`node's client refused case ${response.id}: ${error.message}`, { cause: error }))
    );
    req.end();
  });
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
