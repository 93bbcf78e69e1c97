import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closedPort, listenOnZero } from "@baa/test-support";

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface FakeService {
  url: string;
  requests: SeenRequest[];
  /** Resolves once a request whose URL starts with `prefix` has arrived. */
  waitForRequest(prefix: string): Promise<SeenRequest>;
  close(): Promise<void>;
}

export type FakeHandler = (request: SeenRequest, response: ServerResponse) => void;

/** A loopback HTTP server standing in for the conductor or codexd; `handler` may never answer (a hung service). */
export async function startFakeService(handler: FakeHandler): Promise<FakeService> {
  const requests: SeenRequest[] = [];
  const waiters: Array<{ prefix: string; resolve: (r: SeenRequest) => void }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const seen = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8")
      };
      requests.push(seen);
      for (const waiter of [...waiters]) {
        if (seen.url.startsWith(waiter.prefix)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(seen);
        }
      }
      handler(seen, res);
    });
  });
  const port = await listenOnZero(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    waitForRequest(prefix) {
      const seen = requests.find((r) => r.url.startsWith(prefix));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ prefix, resolve }));
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** A base URL nothing listens on (a port just freed). */
export async function closedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await closedPort()}`;
}
