import type { ControlStore, TaskRecord } from "@baa/control-store";
import type { Logger } from "pino";
import type { ClockTimers } from "@baa/clock";
import type { HeldLock, StepOutcome } from "./queue-step.js";
import { TargetLock, type LockStore } from "./target-lock.js";

/** Retries of one entry whose target kept moving under it, before the queue waits for the next poll. */
const MAX_RETRIES = 5;

export interface LandQueueProcessorDeps {
  store: Pick<ControlStore, "listLandQueue"> & LockStore;
  nodeId: string;
  timers: ClockTimers;
  /** How often every queue is looked at (another node's enqueue wakes nobody here). */
  pollIntervalMs: number;
  /** The land lock's lease; renewed every third of it while held. */
  lockTtlMs: number;
  /** Whether this node has the repository (a queue of a repository elsewhere is another node's). */
  hasRepo(repo: string): boolean;
  step: { land(task: TaskRecord, lock: HeldLock, signal: AbortSignal): Promise<StepOutcome> };
  /** After a queue's head landed or left: refresh the overlaps of the repository's open tasks. */
  afterStep?(task: TaskRecord, outcome: StepOutcome): void;
  /** Told how many tasks every queue held at each pass (the metrics). */
  onQueueLength?(length: number): void;
  logger: Logger;
}

/**
 * Every node runs one: for each (repository, target) with queued tasks it takes the target's
 * lock in the store and lands the queue head by head, so two nodes never land on one target
 * at once. A lost lock stops the queue after its current step; a stop aborts the checks
 * running and leaves the entry queued.
 */
export class LandQueueProcessor {
  readonly #d: LandQueueProcessorDeps;
  #running = false;
  #timer: unknown;
  #pass: Promise<void> | undefined;
  #again = false;
  #abort = new AbortController();

  constructor(deps: LandQueueProcessorDeps) {
    this.#d = deps;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    this.wake();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#abort.abort();
    if (this.#timer !== undefined) this.#d.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#pass;
  }

  /** Looks at the queues now (a task was queued here), or right after the pass under way. */
  wake(): void {
    if (!this.#running) return;
    if (this.#pass !== undefined) {
      this.#again = true;
      return;
    }
    if (this.#timer !== undefined) this.#d.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pass = this.#runPass().finally(() => {
      this.#pass = undefined;
      if (!this.#running) return;
      if (this.#again) {
        this.#again = false;
        this.wake();
      } else {
        this.#timer = this.#d.timers.setTimeout(() => {
          this.#timer = undefined;
          this.wake();
        }, this.#d.pollIntervalMs);
      }
    });
  }

  /** One pass over every queue; resolves when each was drained or handed to its lock's holder. */
  async #runPass(): Promise<void> {
    try {
      const queued = await this.#d.store.listLandQueue();
      this.#d.onQueueLength?.(queued.length);
      const targets = new Map<string, { repo: string; target: string }>();
      for (const task of queued) {
        const entry = task.landQueue;
        if (entry !== null)
          targets.set(JSON.stringify([entry.repo, entry.target]), { repo: entry.repo, target: entry.target });
      }
      for (const { repo, target } of targets.values()) {
        if (!this.#running) return;
        if (this.#d.hasRepo(repo)) await this.#drain(repo, target);
      }
    } catch (error) {
      this.#d.logger.error({ err: error }, "the land queue pass failed; trying again at the next poll");
    }
  }

  async #drain(repo: string, target: string): Promise<void> {
    const { store, nodeId, timers, lockTtlMs, logger } = this.#d;
    const lock = await TargetLock.take({
      store,
      holder: nodeId,
      ttlMs: lockTtlMs,
      timers,
      logger,
      repo,
      target
    });
    if (lock === null) return;
    try {
      let retries = 0;
      while (this.#running && !lock.lost) {
        const [head] = await store.listLandQueue({ repo, target });
        if (head === undefined) return;
        const outcome = await this.#d.step.land(head, lock, this.#abort.signal);
        this.#d.afterStep?.(head, outcome);
        if (outcome === "wait") return;
        retries = outcome === "retry" ? retries + 1 : 0;
        if (retries > MAX_RETRIES) return;
      }
    } finally {
      await lock.release();
    }
  }
}
