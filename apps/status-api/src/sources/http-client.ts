import { systemClock, systemTimers, type Clock, type Timers } from "@baa/clock";
import { Agent, request } from "undici";

export interface HttpCall {
  /** Full URL. */
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The whole exchange (connect, headers, body) must end within this bound. */
  timeoutMs: number;
}

/** Why a source could not be read: nothing listening, no answer in time, or not JSON. */
export type HttpFailureKind = "unreachable" | "timeout" | "bad_response";

export type HttpOutcome =
  | { ok: true; status: number; json: unknown; text: string; latencyMs: number }
  | { ok: false; kind: HttpFailureKind; message: string; latencyMs: number };

/** One HTTP exchange that never throws; tests may pass a fake. */
export type HttpClient = ((call: HttpCall) => Promise<HttpOutcome>) & { close(): Promise<void> };

/**
 * undici over one keep-alive pool. The bound is enforced by our own timer racing the exchange
 * (besides aborting it), so a source that accepts and then hangs costs at most `timeoutMs`.
 */
export function createHttpClient(
  options: { clock?: Clock; timers?: Timers; connectTimeoutMs?: number } = {}
): HttpClient {
  const clock = options.clock ?? systemClock;
  // Whole milliseconds, like the timer's bound: a timer may fire a fraction early on `clock.now()`.
  const now = () => clock.wallNow();
  const timers = options.timers ?? systemTimers;
  const agent = new Agent({
    connect: { timeout: options.connectTimeoutMs ?? 1_000 },
    keepAliveTimeout: 10_000
  });

  const call = async (req: HttpCall): Promise<HttpOutcome> => {
    const started = now();
    const controller = new AbortController();
    let timer: unknown;
    const deadline = new Promise<HttpOutcome>((resolve) => {
      timer = timers.setTimeout(() => {
        controller.abort();
        resolve({
          ok: false,
          kind: "timeout",
          message: `no answer within ${req.timeoutMs} ms`,
          latencyMs: now() - started
        });
      }, req.timeoutMs);
    });
    const exchange = (async (): Promise<HttpOutcome> => {
      try {
        const response = await request(req.url, {
          method: (req.method ?? "GET") as "GET",
          headers: { accept: "application/json", ...req.headers },
          body: req.body,
          dispatcher: agent,
          signal: controller.signal
        });
        const text = await response.body.text();
        let json: unknown;
        if (text !== "") {
          try {
            json = JSON.parse(text);
          } catch {
            return {
              ok: false,
              kind: "bad_response",
              message: `answered ${response.statusCode} with a body that is not JSON`,
              latencyMs: now() - started
            };
          }
        }
        return { ok: true, status: response.statusCode, json, text, latencyMs: now() - started };
      } catch (error) {
        return {
          ok: false,
          kind: "unreachable",
          message: describeNetworkError(error),
          latencyMs: now() - started
        };
      }
    })();
    try {
      return await Promise.race([exchange, deadline]);
    } finally {
      timers.clearTimeout(timer);
    }
  };
  return Object.assign(call, { close: () => agent.close() });
}

function describeNetworkError(error: unknown): string {
  const err = error as { code?: string; cause?: { code?: string }; message?: string } | null;
  const code = err?.code ?? err?.cause?.code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "UND_ERR_CONNECT_TIMEOUT") return "connect timed out";
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "connection reset";
  return code !== undefined ? `network error ${code}` : "network error";
}
