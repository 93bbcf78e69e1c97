import { randomUUID } from "node:crypto";
import { backgroundTimers, type Timers } from "@baa/clock";
import {
  JsonStateFile,
  keepWithinBytes,
  mayNearBudget,
  readJsonFile,
  type StateFs,
  type WriteHealth
} from "@baa/state-files";
import type { IncomingServerRequest } from "@baa/app-server-client";
import { codexdError } from "../errors.js";
import { asStateWriteFailed } from "../state/state-write-failed.js";
import { cutLongStrings, DEFAULT_MAX_TEXT_BYTES, type EventLog } from "@baa/event-log";
import { approvalDetails, declineResponse, type Approval, type ApprovalKind } from "./approval.js";

interface Waiter {
  resolve: (response: unknown) => void;
  timer: unknown;
}

const KEEP_SETTLED = 500;
/** Default byte budget of approvals.json. */
export const DEFAULT_APPROVALS_MAX_BYTES = 4 * 1024 * 1024;

export interface ApprovalBookOptions {
  path: string;
  events: EventLog;
  now: () => number;
  timeoutMs: number;
  onChange: (approval: Approval) => void;
  health: WriteHealth;
  /** Byte budget of approvals.json: the oldest settled approvals are dropped to stay within it. */
  maxBytes?: number;
  /** Strings in an approval's details longer than this are kept cut (default 16 KiB); the event log has them whole. */
  maxTextBytes?: number;
  fs?: StateFs;
  timers?: Timers;
}

/**
 * Every approval codexd has seen, persisted: the pending ones hold an app-server request open
 * until answered, timed out (→ decline), withdrawn by app-server, or expired with the child.
 * Settled ones are kept (bounded) so a late answer gets 410, not a silent 200.
 */
export class ApprovalBook {
  readonly #all = new Map<string, Approval>();
  readonly #waiters = new Map<string, Waiter>();
  readonly #file: JsonStateFile<{ toJSON(): { approvals: Approval[] } }>;
  // Serialized when written: the approvals that fit the budget at that moment.
  readonly #snapshot = { toJSON: () => ({ approvals: this.#withinBudget() }) };
  readonly #maxBytes: number;
  readonly #maxTextBytes: number;
  readonly #health: WriteHealth;
  readonly #timers: Timers;
  /** How many approvals the last write held (with the file's size, a cheap size estimate). */
  #lastCount = 0;
  readonly #events: EventLog;
  readonly #now: () => number;
  readonly #timeoutMs: number;
  readonly #onChange: (approval: Approval) => void;

  constructor(options: ApprovalBookOptions) {
    this.#maxBytes = options.maxBytes ?? DEFAULT_APPROVALS_MAX_BYTES;
    this.#maxTextBytes = options.maxTextBytes ?? DEFAULT_MAX_TEXT_BYTES;
    this.#health = options.health;
    this.#timers = options.timers ?? backgroundTimers;
    // Compact, so the byte budget counts what is written.
    this.#file = new JsonStateFile(options.path, {
      pretty: false,
      health: this.#health,
      maxBytes: this.#maxBytes,
      fs: options.fs,
      timers: this.#timers,
      now: options.now
    });
    this.#events = options.events;
    this.#now = options.now;
    this.#timeoutMs = options.timeoutMs;
    this.#onChange = options.onChange;
    for (const approval of readJsonFile<{ approvals: Approval[] }>(options.path, { approvals: [] })
      .approvals) {
      this.#all.set(approval.approvalId, approval);
    }
  }

  get(approvalId: string): Approval | undefined {
    return this.#all.get(approvalId);
  }

  list(filter: { sessionId?: string; status?: string } = {}): Approval[] {
    return [...this.#all.values()].filter(
      (a) =>
        (filter.sessionId === undefined || a.sessionId === filter.sessionId) &&
        (filter.status === undefined || a.status === filter.status)
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
      // The approval.requested event recorded below (the next seq) holds `params` whole.
      details: cutLongStrings(approvalDetails(kind, params), this.#maxTextBytes, this.#events.lastSeq + 1),
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
      this.#waiters.set(approval.approvalId, { resolve, timer: this.#armTimeout(approval, this.#timeoutMs) });
    });
  }

  /**
   * A person's answer, on disk before app-server hears it. Unknown id → 404, already settled →
   * 410; when approvals.json cannot be written → 503 `state_write_failed` and the approval
   * stays pending (answer it again once space returns).
   */
  async answer(approvalId: string, response: unknown): Promise<Approval> {
    const approval = this.#all.get(approvalId);
    if (approval === undefined) throw codexdError("approval_not_found", `no approval ${approvalId}`);
    const waiter = this.#waiters.get(approvalId);
    if (approval.status !== "pending" || waiter === undefined) {
      throw codexdError(
        "approval_gone",
        `approval ${approvalId} is ${approval.status === "pending" ? "expired" : approval.status} and can no longer be answered`
      );
    }
    // Out of reach of the timeout and of withdrawal while the answer is being saved.
    this.#waiters.delete(approvalId);
    this.#timers.clearTimeout(waiter.timer);
    const before = {
      status: approval.status,
      response: approval.response,
      settledAt: approval.settledAt,
      settledReason: approval.settledReason
    };
    approval.status = "answered";
    approval.response = response;
    approval.settledAt = new Date(this.#now()).toISOString();
    approval.settledReason = "answered by a client";
    this.#file.save(this.#snapshot, { urgent: true });
    try {
      await this.#file.written();
    } catch (error) {
      Object.assign(approval, before);
      this.#file.save(this.#snapshot);
      const left = Math.max(0, Date.parse(approval.expiresAt) - this.#now());
      this.#waiters.set(approvalId, { resolve: waiter.resolve, timer: this.#armTimeout(approval, left) });
      asStateWriteFailed(error, "the answer could not be saved");
    }
    this.#record("approval.answered", approval);
    waiter.resolve(response);
    return approval;
  }

  #armTimeout(approval: Approval, ms: number): unknown {
    return this.#timers.setTimeout(
      () =>
        this.#settle(
          approval,
          "timed_out",
          declineResponse(approval.kind),
          `no answer within ${this.#timeoutMs} ms: declined`
        ),
      ms
    );
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

  /** Resolves once every change so far is on disk, or at once while writes fail (readers). */
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
    if (waiter !== undefined) this.#timers.clearTimeout(waiter.timer);
    approval.status = status;
    approval.response = response;
    approval.settledAt = new Date(this.#now()).toISOString();
    approval.settledReason = reason;
    const type = {
      answered: "approval.answered",
      timed_out: "approval.timed_out",
      expired: "approval.expired",
      resolved: "approval.resolved",
      pending: "approval.requested"
    }[status];
    this.#record(type, approval);
    if (waiter !== undefined && status !== "expired") waiter.resolve(response);
  }

  #record(type: string, approval: Approval, extra: Record<string, unknown> = {}): void {
    this.#prune();
    this.#file.save(this.#snapshot);
    this.#onChange(approval);
    this.#events.record({
      type,
      sessionId: approval.sessionId,
      threadId: approval.threadId,
      turnId: approval.turnId,
      data: { approval, ...extra }
    });
  }

  // Runs as the file is serialized; settled approvals that do not fit are dropped from memory
  // too (their events stay in the log). Pending ones are always kept.
  #withinBudget(): Approval[] {
    const all = [...this.#all.values()];
    const last = { bytes: this.#file.bytes, count: this.#lastCount };
    this.#lastCount = all.length;
    if (!mayNearBudget(last, all.length, this.#maxBytes)) return all;
    const { kept, dropped } = keepWithinBytes(all, {
      maxBytes: this.#maxBytes - 64,
      droppable: (a) => a.status !== "pending"
    });
    for (const approval of dropped) this.#all.delete(approval.approvalId);
    this.#lastCount = kept.length;
    if (dropped.length > 0) {
      this.#health.logger.warn(
        { file: "approvals.json", dropped: dropped.length, maxBytes: this.#maxBytes },
        "settled approvals dropped to keep approvals.json within its byte budget"
      );
    }
    return kept;
  }

  #prune(): void {
    const settled = [...this.#all.values()].filter((a) => a.status !== "pending");
    for (const old of settled.slice(0, Math.max(0, settled.length - KEEP_SETTLED)))
      this.#all.delete(old.approvalId);
  }
}
