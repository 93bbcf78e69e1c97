import { randomUUID } from "node:crypto";
import { JsonStateFile, readJsonFile } from "@baa/state-files";
import type { IncomingServerRequest } from "@baa/app-server-client";
import { codexdError } from "../errors.js";
import type { EventLog } from "@baa/event-log";
import { approvalDetails, declineResponse, type Approval, type ApprovalKind } from "./approval.js";

interface Waiter {
  resolve: (response: unknown) => void;
  timer: NodeJS.Timeout;
}

const KEEP_SETTLED = 500;

/**
 * Every approval codexd has seen, persisted: the pending ones hold an app-server request open
 * until answered, timed out (→ decline), withdrawn by app-server, or expired with the child.
 * Settled ones are kept (bounded) so a late answer gets 410, not a silent 200.
 */
export class ApprovalBook {
  readonly #all = new Map<string, Approval>();
  readonly #waiters = new Map<string, Waiter>();
  readonly #file: JsonStateFile<{ approvals: Approval[] }>;
  readonly #events: EventLog;
  readonly #now: () => number;
  readonly #timeoutMs: number;
  readonly #onChange: (approval: Approval) => void;

  constructor(options: {
    path: string;
    events: EventLog;
    now: () => number;
    timeoutMs: number;
    onChange: (approval: Approval) => void;
  }) {
    this.#file = new JsonStateFile(options.path);
    this.#events = options.events;
    this.#now = options.now;
    this.#timeoutMs = options.timeoutMs;
    this.#onChange = options.onChange;
    for (const approval of readJsonFile<{ approvals: Approval[] }>(options.path, { approvals: [] }).approvals) {
      this.#all.set(approval.approvalId, approval);
    }
  }

  get(approvalId: string): Approval | undefined {
    return this.#all.get(approvalId);
  }

  list(filter: { sessionId?: string; status?: string } = {}): Approval[] {
    return [...this.#all.values()].filter(
      (a) => (filter.sessionId === undefined || a.sessionId === filter.sessionId) && (filter.status === undefined || a.status === filter.status)
    );
  }

  /** Holds one app-server request until it is settled; resolves to the response to send. */
  hold(request: IncomingServerRequest, kind: ApprovalKind, sessionId: string | null): Promise<unknown> {
    const params = (request.params ?? {}) as Record<string, unknown>;
    const now = this.#now();
    const approval: Approval = {
      approvalId: `approval-${randomUUID()}`,
      kind,
      method: request.method,
      requestId: request.id,
      sessionId,
      threadId: typeof params.threadId === "string" ? params.threadId : null,
      turnId: typeof params.turnId === "string" ? params.turnId : null,
      itemId: typeof params.itemId === "string" ? params.itemId : null,
      details: approvalDetails(kind, params),
      status: "pending",
      response: null,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.#timeoutMs).toISOString(),
      settledAt: null,
      settledReason: null
    };
    this.#all.set(approval.approvalId, approval);
    this.#record("approval.requested", approval, { params });
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => this.#settle(approval, "timed_out", declineResponse(kind), `no answer within ${this.#timeoutMs} ms: declined`),
        this.#timeoutMs
      );
      timer.unref();
      this.#waiters.set(approval.approvalId, { resolve, timer });
    });
  }

  /** A person's answer. Unknown id → 404, already settled → 410. */
  answer(approvalId: string, response: unknown): Approval {
    const approval = this.#all.get(approvalId);
    if (approval === undefined) throw codexdError("approval_not_found", `no approval ${approvalId}`);
    if (approval.status !== "pending" || !this.#waiters.has(approvalId)) {
      throw codexdError("approval_gone", `approval ${approvalId} is ${approval.status === "pending" ? "expired" : approval.status} and can no longer be answered`);
    }
    this.#settle(approval, "answered", response, "answered by a client");
    return approval;
  }

  /** app-server says the request is over (`serverRequest/resolved`), e.g. its turn was interrupted. */
  resolvedByServer(requestId: unknown): void {
    for (const approval of this.#all.values()) {
      if (approval.status === "pending" && approval.requestId === requestId) {
        this.#settle(approval, "resolved", declineResponse(approval.kind), "withdrawn by codex app-server");
      }
    }
  }

  /** The child that asked is gone (or codexd restarted): nothing pending can be answered now. */
  expirePending(reason: string): void {
    for (const approval of this.#all.values()) {
      if (approval.status === "pending") this.#settle(approval, "expired", null, reason);
    }
  }

  /** Resolves once every change so far is on disk. */
  settled(): Promise<void> {
    return this.#file.settled();
  }

  /** Shutdown: the last write, synchronously, once nothing is in flight. */
  async close(): Promise<void> {
    await this.#file.settled();
    this.#file.flushSync();
  }

  #settle(approval: Approval, status: Approval["status"], response: unknown, reason: string): void {
    const waiter = this.#waiters.get(approval.approvalId);
    this.#waiters.delete(approval.approvalId);
    if (waiter !== undefined) clearTimeout(waiter.timer);
    approval.status = status;
    approval.response = response;
    approval.settledAt = new Date(this.#now()).toISOString();
    approval.settledReason = reason;
    const type = { answered: "approval.answered", timed_out: "approval.timed_out", expired: "approval.expired", resolved: "approval.resolved", pending: "approval.requested" }[status];
    this.#record(type, approval);
    if (waiter !== undefined && status !== "expired") waiter.resolve(response);
  }

  #record(type: string, approval: Approval, extra: Record<string, unknown> = {}): void {
    this.#prune();
    this.#file.save({ approvals: [...this.#all.values()] });
    this.#onChange(approval);
    this.#events.record({
      type,
      sessionId: approval.sessionId,
      threadId: approval.threadId,
      turnId: approval.turnId,
      data: { approval, ...extra }
    });
  }

  #prune(): void {
    const settled = [...this.#all.values()].filter((a) => a.status !== "pending");
    for (const old of settled.slice(0, Math.max(0, settled.length - KEEP_SETTLED))) this.#all.delete(old.approvalId);
  }
}
