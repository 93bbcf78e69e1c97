import {
  StoreUnavailableError,
  type HeldLease,
  type LeaseRecord,
  type RunRecord,
  type SystemMode,
  type SystemStateRecord
} from "@baa/control-store";
import type { LeaseKeeperStore } from "../../src/leadership/lease-keeper.js";
import type { SystemModesStore } from "../../src/system/system-modes.js";

/**
 * The lease, run and system-mode part of the store, in memory, on a clock the test owns: what
 * the keeper and the system modes need, to test them without a database. Each node gets a
 * view that can be cut off (`down`) or made to hang (`hang`).
 */
export class MemoryLeaseStore {
  lease: LeaseRecord = { scope: "scheduler", holder: null, term: 0, expiresAt: null };
  runs: RunRecord[] = [];
  system: SystemStateRecord = {
    mode: "running",
    reason: null,
    changedAt: new Date(0).toISOString(),
    quotaPausedUntil: null,
    quotaReason: null
  };
  readonly calls: string[] = [];

  constructor(readonly clock: () => number) {}

  view(options: { down?: () => boolean; hang?: () => boolean } = {}): LeaseKeeperStore & SystemModesStore {
    const gate = async <T>(name: string, fn: () => T): Promise<T> => {
      this.calls.push(name);
      if (options.hang?.()) return new Promise<T>(() => {});
      if (options.down?.()) throw new StoreUnavailableError("store down");
      return fn();
    };
    return {
      now: () => gate("now", () => new Date(this.clock())),
      getLease: (scope) => gate("getLease", () => (scope === this.lease.scope ? { ...this.lease } : null)),
      acquireLease: ({ holder, ttlMs, newTerm }) =>
        gate("acquireLease", (): HeldLease | null => {
          const now = this.clock();
          const expired = this.lease.expiresAt === null || Date.parse(this.lease.expiresAt) < now;
          if (this.lease.holder !== holder && !expired) return null;
          const term =
            this.lease.holder === holder && newTerm !== true ? this.lease.term : this.lease.term + 1;
          this.lease = {
            scope: this.lease.scope,
            holder,
            term,
            expiresAt: new Date(now + ttlMs).toISOString()
          };
          return { scope: this.lease.scope, holder, term, expiresAt: this.lease.expiresAt! };
        }),
      releaseLease: ({ holder, term }) =>
        gate("releaseLease", () => {
          if (this.lease.holder !== holder || this.lease.term !== term) return false;
          this.lease = { ...this.lease, holder: null, expiresAt: null };
          return true;
        }),
      listRunningRuns: () =>
        gate("listRunningRuns", () => this.runs.filter((run) => run.state === "running")),
      abandonStaleRuns: ({ term }) =>
        gate("abandonStaleRuns", () => {
          const stale = this.runs.filter((run) => run.state === "running" && run.term < term);
          for (const run of stale) run.state = "abandoned";
          return stale.map((run) => ({ ...run }));
        }),
      getSystemState: () => gate("getSystemState", () => ({ ...this.system })),
      setSystemMode: (mode: SystemMode, reason?: string | null) =>
        gate("setSystemMode", () => {
          this.system = {
            ...this.system,
            mode,
            reason: reason ?? null,
            changedAt: new Date(this.clock()).toISOString()
          };
          return { ...this.system };
        }),
      setQuotaPause: (until: string | null, reason?: string | null) =>
        gate("setQuotaPause", () => {
          this.system = { ...this.system, quotaPausedUntil: until, quotaReason: reason ?? null };
          return { ...this.system };
        })
    };
  }
}

export function runningRun(
  runId: string,
  owner: string,
  term: number,
  turnId: string | null = "turn-1"
): RunRecord {
  return {
    runId,
    taskId: `task-${runId}`,
    attempt: 1,
    owner,
    term,
    state: "running",
    reason: null,
    sessionId: turnId === null ? null : `session-${runId}`,
    threadId: null,
    turnId,
    workspace: null,
    round: 1,
    commit: null,
    leaseExpiresAt: null,
    checks: [],
    setup: null,
    finalMessage: null,
    usage: null,
    startedAt: new Date(0).toISOString(),
    lastEventAt: null,
    endedAt: null
  };
}
