import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

import { echoReply, type Reply, type ReplyFactory } from "./replies.js";
import { planReply, type IdSource } from "./reply-plan.js";
import { writeReply } from "./reply-writer.js";
import { viewRequest, type RecordedRequest } from "./request-view.js";

/** Options of {@link startMockModel}. */
export interface MockModelOptions {
  /** Only loopback is allowed. */
  host?: "127.0.0.1";
  /** 0 (default) picks a free port. */
  port?: number;
  /** Answers requests when the queue is empty (default: {@link echoReply}). */
  defaultReply?: ReplyFactory;
}

/** A running mock Responses API server. */
export interface MockModel {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `url + "/v1"`, the provider `base_url` for codex. */
  baseUrl: string;
  port: number;
  /** Every `POST /v1/responses`, oldest first. */
  requests: RecordedRequest[];
  /** Queues replies; each `POST /v1/responses` takes the oldest one. */
  enqueue(...replies: Reply[]): void;
  setDefaultReply(factory: ReplyFactory): void;
  /**
   * Resolves with the first request, already recorded or still to come, that matches
   * `predicate` (default: any). Rejects after `timeoutMs` (default 10 000), on `close()`, and once closed.
   */
  waitForRequest(
    predicate?: (request: RecordedRequest) => boolean,
    timeoutMs?: number
  ): Promise<RecordedRequest>;
  /** Ends open streams, destroys sockets and stops listening. Safe to call twice. */
  close(): Promise<void>;
}

interface Waiter {
  predicate: (request: RecordedRequest) => boolean;
  resolve: (request: RecordedRequest) => void;
  reject: (error: Error) => void;
}

const newId: IdSource = (prefix) => `${prefix}_${randomUUID().replaceAll("-", "")}`;

function sendJson(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * Starts a loopback server that speaks enough of the OpenAI Responses streaming API for
 * `codex app-server` to run turns against it.
 *
 * @example
 * const model = await startMockModel();
 * model.enqueue({ kind: "tool_call", arguments: { cmd: "echo hi" } }, { kind: "text", text: "done" });
 * spawn(codex, ["app-server", ...codexConfigArgs(model.baseUrl)]);
 */
export async function startMockModel(options: MockModelOptions = {}): Promise<MockModel> {
  const host = options.host ?? "127.0.0.1";
  if (host !== "127.0.0.1") throw new Error("mock model binds 127.0.0.1 only");
  const state: MockState = {
    requests: [],
    queue: [],
    waiters: new Set<Waiter>(),
    shutdown: new AbortController(),
    defaultReply: options.defaultReply ?? echoReply
  };
  const { requests, queue, waiters, shutdown } = state;
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    handle(state, req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error), type: "mock_internal" } });
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    baseUrl: `${url}/v1`,
    port,
    requests,
    enqueue: (...replies) => void queue.push(...replies),
    setDefaultReply: (factory) => {
      state.defaultReply = factory;
    },
    waitForRequest: (predicate = () => true, timeoutMs = 10_000) =>
      waitForRequest(state, predicate, timeoutMs),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        shutdown.abort();
        for (const waiter of waiters) waiter.reject(new Error("mock model is closed"));
        waiters.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    }
  };
}

/** What the server and its handle share: the recorded requests, the queued replies, the waiters. */
interface MockState {
  requests: RecordedRequest[];
  queue: Reply[];
  waiters: Set<Waiter>;
  shutdown: AbortController;
  defaultReply: ReplyFactory;
}

/** Records a request and resolves every waiter it matches. */
function record(state: MockState, request: RecordedRequest): void {
  state.requests.push(request);
  for (const waiter of [...state.waiters]) {
    if (!waiter.predicate(request)) continue;
    state.waiters.delete(waiter);
    waiter.resolve(request);
  }
}

/** `POST /v1/responses`: recorded, then answered with the oldest queued reply or the default. */
async function handle(state: MockState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  const text = await readBody(req);
  if (req.method !== "POST" || path !== "/v1/responses") {
    sendJson(res, 404, { error: { message: `no route for ${req.method} ${path}`, type: "not_found" } });
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    sendJson(res, 400, { error: { message: "body is not JSON", type: "invalid_request_error" } });
    return;
  }
  const request = viewRequest(path, body, Date.now());
  res.once("close", () => {
    request.closedAt = Date.now();
  });
  record(state, request);
  const reply = state.queue.shift() ?? state.defaultReply(request);
  const stop = AbortSignal.any([state.shutdown.signal, closeSignal(res)]);
  await writeReply(res, planReply(reply, newId), stop);
}

function waitForRequest(
  state: MockState,
  predicate: (request: RecordedRequest) => boolean,
  timeoutMs: number
): Promise<RecordedRequest> {
  if (state.shutdown.signal.aborted) return Promise.reject(new Error("mock model is closed"));
  const seen = state.requests.find(predicate);
  if (seen !== undefined) return Promise.resolve(seen);
  return new Promise<RecordedRequest>((resolve, reject) => {
    const timer = setTimeout(() => {
      state.waiters.delete(waiter);
      reject(new Error(`no matching request to the mock model within ${timeoutMs} ms`));
    }, timeoutMs);
    const waiter: Waiter = {
      predicate,
      resolve: (request) => {
        clearTimeout(timer);
        resolve(request);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      }
    };
    state.waiters.add(waiter);
  });
}

/** Aborts when the response closes: finished, or the client went away. */
function closeSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => controller.abort());
  return controller.signal;
}
