// Sending one fuzz case (tests/reliability/fuzz-routes.test.ts): over HTTP on a shared
// keep-alive agent, or as a WebSocket upgrade with its frames; what came back, or why node's
// client refused to send it.
import { Agent, request as httpRequest } from "node:http";
import WebSocket from "ws";
import { COSTLY, pathOf, type Case } from "./fuzz-cases.js";

export interface Outcome {
  status: number;
  text: string;
  skipped?: string;
}

export const agent = new Agent({ keepAlive: true, maxSockets: 16 });

export function sendHttp(base: string, c: Case): Promise<Outcome> {
  const url = new URL(base);
  const headers: Record<string, string> = {};
  for (const [name, value] of c.headers) headers[name] = value;
  let payload: string | undefined;
  if (c.body.kind === "json" && c.route.method !== "GET") {
    payload = JSON.stringify(c.body.value) ?? "null";
    headers["content-type"] ??= "application/json";
  } else if (c.body.kind === "raw" && c.route.method !== "GET") {
    payload = c.body.text;
    headers["content-type"] = c.body.type;
  }
  return new Promise((resolve, reject) => {
    let req: ReturnType<typeof httpRequest>;
    try {
      req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method: c.route.method,
          path: pathOf(c),
          headers,
          agent: c.agentless ? false : agent
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          // An event stream (status-api's SSE) never ends: its first bytes are enough.
          const stream = /^text\/event-stream/.test(String(res.headers["content-type"]));
          const cut = setTimeout(() => res.destroy(), 5_000);
          res.on("data", (chunk) => {
            text += chunk;
            if (stream) res.destroy();
          });
          res.on("close", () => {
            clearTimeout(cut);
            resolve({ status: res.statusCode ?? 0, text });
          });
        }
      );
    } catch (error) {
      // Node refused the request before sending it (an invalid header character or path).
      resolve({ status: 0, text: "", skipped: (error as NodeJS.ErrnoException).code ?? "client" });
      return;
    }
    // A child restart answers once the new child is up and every session resumed: on a loaded
    // 2-core machine that is tens of seconds, not a hang.
    const answerMs = COSTLY.test(c.route.path) ? 90_000 : 15_000;
    req.setTimeout(answerMs, () =>
      req.destroy(new Error(`no answer within ${answerMs / 1000} s to ${c.route.method} ${pathOf(c)}`))
    );
    req.on("error", (error) => {
      // A kept-alive socket the server closed as idle just as the request went out (the race
      // every keep-alive client has): sent again once on a fresh connection, as HTTP clients
      // do. A server that drops the request itself fails again there and is reported.
      if (req.reusedSocket && (error as NodeJS.ErrnoException).code === "ECONNRESET" && !c.retried) {
        sendHttp(base, { ...c, retried: true, agentless: true }).then(resolve, reject);
        return;
      }
      reject(error);
    });
    req.end(payload);
  });
}

export function sendWs(base: string, c: Case): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of c.headers) if (name !== "host") headers[name] = value;
    let socket: WebSocket;
    try {
      socket = new WebSocket(`${base.replace(/^http/, "ws")}${pathOf(c)}`, { headers });
    } catch (error) {
      resolve({ status: 0, text: "", skipped: (error as Error).name });
      return;
    }
    let settled = false;
    const done = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    socket.on("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => {
        done({ status: res.statusCode ?? 0, text });
        socket.terminate();
      });
    });
    socket.on("open", () => {
      for (const frame of c.frames) socket.send(frame);
      socket.close(1000);
    });
    socket.on("close", (code, reason) => done({ status: code === 1011 ? 500 : 101, text: String(reason) }));
    socket.on("error", (error) => {
      if (!settled && !/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}
