import { isAppError } from "@baa/api-errors";
import type { CodexdEvent } from "@baa/event-log";
import type { CodexdClient } from "../codexd/codexd-client.js";

/** One codexd event as its stream sends it (codexd's own events carry no task or run id). */
export type CodexdStreamEvent = Omit<CodexdEvent, "taskId" | "runId">;

/** codexd refused a request for reasons of the task's making (4xx): not worth retrying as is. */
export class CodexdRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
    this.name = "CodexdRefusedError";
  }
}

/** codexd could not be reached or failed (5xx, timeout): try again later, the task is not at fault. */
export class CodexdDownError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CodexdDownError";
  }
}

export interface WorkerSessionRequest {
  /** Go on with this app-server thread (`thread/resume`) instead of starting one. */
  threadId?: string;
  cwd?: string;
  model?: string;
  approvalPolicy?: string;
  sandbox?: string;
}

/** The codexd calls a task run makes; the executor's unit tests pass a fake. */
export interface WorkerCodexd {
  /** Opens a `worker` session; `afterSeq` is the seq to follow its events from (just before session.created). */
  openSession(
    request: WorkerSessionRequest
  ): Promise<{ sessionId: string; threadId: string | null; afterSeq: number }>;
  startTurn(sessionId: string, input: string): Promise<{ turnId: string }>;
  /** Resolves also when the turn already ended. */
  interruptTurn(sessionId: string, turnId: string | null): Promise<void>;
  closeSession(sessionId: string): Promise<void>;
  /** The events URL for a session, replaying after `after`. */
  eventsUrl(sessionId: string, after: number): string;
}

/** `WorkerCodexd` over the conductor's codexd client. */
export function workerCodexd(codexd: CodexdClient): WorkerCodexd {
  const call = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    let reply: Awaited<ReturnType<CodexdClient["request"]>>;
    try {
      reply = await codexd.request({
        method,
        pathAndQuery: path,
        accept: "application/json",
        ...(body === undefined ? {} : { body: JSON.stringify(body), contentType: "application/json" })
      });
    } catch (error) {
      throw new CodexdDownError(isAppError(error) ? error.message : `codexd ${method} ${path} failed`, {
        cause: error
      });
    }
    const json = reply.json as
      | { ok?: boolean; data?: Record<string, unknown>; error?: { code?: string; message?: string } }
      | undefined;
    if (reply.status >= 200 && reply.status < 300 && json?.ok === true && json.data !== undefined)
      return json.data;
    const code = json?.error?.code ?? "unknown";
    const message =
      `codexd answered ${method} ${path.split("?", 1)[0]} with ${reply.status} ${code}: ${json?.error?.message ?? ""}`.trim();
    if (reply.status >= 400 && reply.status < 500 && reply.status !== 429)
      throw new CodexdRefusedError(reply.status, code, message);
    throw new CodexdDownError(message);
  };

  return {
    async openSession(request) {
      const data = await call("POST", "/v1/codexd/sessions", { purpose: "worker", ...request });
      const session = data.session as { sessionId: string; threadId?: string | null };
      // The new session's own events start with session.created; following from just before
      // it replays them all without scanning the log from its start.
      const detail = await call("GET", `/v1/codexd/sessions/${encodeURIComponent(session.sessionId)}`);
      const seqs = ((detail.recentEvents as { seq: number }[] | undefined) ?? []).map((event) => event.seq);
      const afterSeq = seqs.length === 0 ? 0 : Math.max(0, Math.min(...seqs) - 1);
      return { sessionId: session.sessionId, threadId: session.threadId ?? null, afterSeq };
    },
    async startTurn(sessionId, input) {
      const data = await call("POST", "/v1/codexd/turn", { sessionId, input });
      return { turnId: String(data.turnId) };
    },
    async interruptTurn(sessionId, turnId) {
      try {
        await call(
          "POST",
          "/v1/codexd/turn/interrupt",
          turnId === null ? { sessionId } : { sessionId, turnId }
        );
      } catch (error) {
        // No turn in progress (409) or no such session (404): it has ended, which is the point.
        if (error instanceof CodexdRefusedError && (error.status === 409 || error.status === 404)) return;
        throw error;
      }
    },
    async closeSession(sessionId) {
      await call("POST", `/v1/codexd/sessions/${encodeURIComponent(sessionId)}/close`);
    },
    eventsUrl(sessionId, after) {
      return codexd.eventsUrl(`?sessionId=${encodeURIComponent(sessionId)}&after=${after}`);
    }
  };
}
