import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface FakeReply {
  status: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

export interface FakeCodexdOptions {
  port?: number;
  sessions?: Array<{ sessionId: string; status: string }>;
  events?: unknown[];
  /** Answers for `METHOD /path` (path without query); the default echoes the request. */
  routes?: Record<string, (request: RecordedRequest) => FakeReply>;
  /** Numbered events sent on each WS connection, then the stream closes if `closeWith` is set. */
  wsEventCount?: number;
  wsCloseWith?: { code: number; reason: string };
  /** Holds every HTTP request without answering (a hung codexd). */
  hang?: boolean;
}

export interface FakeCodexd {
  baseUrl: string;
  port: number;
  requests: RecordedRequest[];
  wsConnections: Array<{ url: string; headers: IncomingMessage["headers"]; socket: WebSocket }>;
  close(): Promise<void>;
}

/** A loopback stand-in for codexd: real HTTP and WebSocket, canned answers, recorded requests. */
export async function startFakeCodexd(options: FakeCodexdOptions = {}): Promise<FakeCodexd> {
  const requests: RecordedRequest[] = [];
  const wsConnections: FakeCodexd["wsConnections"] = [];
  const hung: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const recorded = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8")
      };
      requests.push(recorded);
      if (options.hang === true) {
        hung.push(res);
        return;
      }
      const path = recorded.url.split("?")[0];
      const handler = options.routes?.[`${recorded.method} ${path}`];
      const reply = handler?.(recorded) ?? defaultReply(recorded, options);
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(reply.raw ?? (reply.body === undefined ? "" : JSON.stringify(reply.body)));
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    if (!(req.url ?? "").startsWith("/v1/codexd/events")) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      wsConnections.push({ url: req.url ?? "", headers: req.headers, socket: ws });
      const count = options.wsEventCount ?? 0;
      for (let seq = 1; seq <= count; seq += 1)
        ws.send(JSON.stringify({ seq, type: "test.event", url: req.url }));
      if (options.wsCloseWith !== undefined) ws.close(options.wsCloseWith.code, options.wsCloseWith.reason);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    requests,
    wsConnections,
    async close() {
      for (const res of hung) res.destroy();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };
}

function defaultReply(request: RecordedRequest, options: FakeCodexdOptions): FakeReply {
  if (request.method === "GET" && request.url === "/v1/codexd/status") {
    return {
      status: 200,
      body: {
        ok: true,
        data: {
          service: { resolvedBaseUrl: "fake" },
          snapshot: {
            daemon: { started: true, child: { status: "running", pid: 43210, restarts: 0 } },
            sessionRegistry: { sessions: options.sessions ?? [] },
            recentEvents: { events: options.events ?? [] },
            runRegistry: { runs: [] }
          }
        }
      }
    };
  }
  return {
    status: 200,
    body: {
      ok: true,
      data: {
        echo: {
          method: request.method,
          url: request.url,
          body: request.body,
          contentType: request.headers["content-type"] ?? null
        }
      }
    }
  };
}
