import type { ControlStore, RunRecord } from "@baa/control-store";
import type { Logger } from "pino";
import type { ClockTimers } from "@baa/clock";

export type SweeperStore = Pick<ControlStore, "expireRunLeases" | "notePlacement" | "listNodes">;

export interface SweeperObserver {
  swept(runs: number): void;
}

export interface RunLeaseSweeperOptions {
  store: SweeperStore;
  /** The leader lease: the sweep is a duty that must run once. */
  leadership: { current(): { holder: string; term: number } | null; readonly scope: string };
  nodeId: string;
  /** BAA_RUN_LEASE_TTL_MS / 3. */
  everyMs: number;
  /** Stops a turn on this node's own codexd. */
  interruptLocal(run: RunRecord): Promise<void>;
  /** Stops a turn through its owner's conductor at its registered address. */
  interruptRemote(address: string, run: RunRecord): Promise<void>;
  observer?: SweeperObserver;
  timers: ClockTimers;
  logger: Logger;
}

/**
 * The leader's duties of a cluster where every node claims: end the runs whose lease lapsed
 * (`abandoned`, task queued again, no attempt spent), stop their turns where the owner's codexd
 * still answers, and say why tasks wait for labels no live node has.
 */
export class RunLeaseSweeper {
  readonly #o: RunLeaseSweeperOptions;
  readonly #log: Logger;
  #timer: unknown;
  #running = false;
  #sweeping: Promise<void> | undefined;

  constructor(options: RunLeaseSweeperOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: "sweeper" });
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#sweeping;
  }

  /** One pass now, if this node leads; returns the runs it ended. */
  async sweep(): Promise<RunRecord[]> {
    const leader = this.#o.leadership.current();
    if (leader === null) return [];
    const { store } = this.#o;
    const swept = await store.expireRunLeases({
      scope: this.#o.leadership.scope,
      holder: leader.holder,
      term: leader.term
    });
    this.#o.observer?.swept(swept.length);
    if (swept.length > 0) {
      this.#log.warn(
        { runs: swept.map((run) => ({ runId: run.runId, taskId: run.taskId, owner: run.owner })) },
        "run leases expired: runs abandoned, their tasks queued again"
      );
      await this.#interrupt(swept);
    }
    const placed = await store.notePlacement();
    if (placed > 0) this.#log.info({ tasks: placed }, "placement reasons of waiting tasks updated");
    return swept;
  }

  async #interrupt(runs: RunRecord[]): Promise<void> {
    const withTurn = runs.filter((run) => run.sessionId !== null);
    if (withTurn.length === 0) return;
    const addresses = new Map((await this.#o.store.listNodes()).map((node) => [node.nodeId, node.address]));
    await Promise.all(
      withTurn.map(async (run) => {
        const address = addresses.get(run.owner) ?? null;
        try {
          if (run.owner === this.#o.nodeId) await this.#o.interruptLocal(run);
          else if (address !== null) await this.#o.interruptRemote(address, run);
          else return;
          this.#log.info({ runId: run.runId, owner: run.owner }, "turn of a swept run interrupted");
        } catch (error) {
          // Its node is dead or frozen: nothing runs, or its own keeper stops the turn on waking.
          this.#log.warn(
            { err: error, runId: run.runId, owner: run.owner, address },
            "could not interrupt the turn of a swept run"
          );
        }
      })
    );
  }

  #schedule(waitMs: number): void {
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#timer = undefined;
      if (!this.#running) return;
      this.#sweeping = this.sweep()
        .then(
          () => undefined,
          (error: unknown) => this.#log.warn({ err: error }, "run-lease sweep failed; trying again")
        )
        .finally(() => {
          if (this.#running) this.#schedule(this.#o.everyMs);
        });
    }, waitMs);
  }
}
