import type { ClaimedRun, ControlStore, SystemStateRecord, TaskState } from "@baa/control-store";
import type { CodexdEvent, EventLog } from "@baa/event-log";
import type { Logger } from "pino";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { LeaseView } from "../leadership/lease-keeper.js";
import { timeClaims } from "./claim-timing.js";
import { registerReviewMetrics } from "./review-metrics.js";

/** What the conductor's metrics read at a scrape; each part is optional (an app without a store has none). */
export interface ConductorMetricsSources {
  store?: Pick<ControlStore, "countTasksByState">;
  lease?: {
    view(): LeaseView;
    onChange(listener: (leading: { holder: string; term: number } | null) => void): () => void;
  };
  system?: { cached(): SystemStateRecord | null };
  /** A monotonic clock in ms (the loop timers' `now`), for claim durations. */
  now?: () => number;
  logger?: Logger;
}

/** Each live task-event stream reports here. */
export interface TaskStreamObserver {
  opened(): void;
  closed(): void;
  cutOff(reason: "slow_consumer"): void;
}

const PREFIX = "conductor_";
const CLAIM_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];
const RUN_BUCKETS = [1, 5, 10, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600];
const SYSTEM_MODES = ["running", "paused", "draining"] as const;

/**
 * The conductor's Prometheus registry, one per node instance (no global default registry).
 * Claim latency is measured around the scheduler's store calls, leadership changes come from
 * the lease keeper, runs from the task event log; gauges are read at each scrape.
 */
export class ConductorMetrics {
  readonly registry = new Registry();
  readonly taskStreams: TaskStreamObserver;
  readonly #counted: CountedMetrics;
  readonly #runStarts = new Map<string, number>();
  readonly #observeReview: (event: CodexdEvent) => void;
  readonly #now: () => number;
  readonly #closers: (() => void)[] = [];
  #relaySize: () => number = () => 0;
  readonly #relayCutOffs: () => void;

  constructor(sources: ConductorMetricsSources = {}) {
    const registers = [this.registry];
    this.#now = sources.now ?? (() => performance.now());
    const { store, lease, system, logger } = sources;
    const counts = store === undefined ? null : registerStoreGauges(registers, store, logger);
    this.#observeReview = registerReviewMetrics(this.registry, PREFIX, counts);
    this.#counted = registerCountedMetrics(registers);
    if (lease !== undefined) this.#closers.push(registerLeaseMetrics(registers, lease));
    if (system !== undefined) {
      new Gauge({
        name: `${PREFIX}system_mode`,
        help: "1 for the system mode in force (running, paused, draining), as last read from the store.",
        labelNames: ["mode"],
        registers,
        collect() {
          const mode = system.cached()?.mode;
          for (const each of SYSTEM_MODES) this.set({ mode: each }, mode === each ? 1 : 0);
        }
      });
    }
    const streams = registerStreamMetrics(registers, () => this.#relaySize());
    this.taskStreams = streams.task;
    this.#relayCutOffs = streams.relayCutOff;
  }

  /** The store the scheduler claims through: `claimTasks` timed and counted, the rest as is. */
  timingClaims<S extends Pick<ControlStore, "claimTasks">>(store: S): S {
    return timeClaims(store, this.#now, (seconds, claims) => this.#observeClaims(seconds, claims));
  }

  /** Counts the runs and events the task event log records from now on. */
  watchEvents(events: Pick<EventLog, "subscribe">): void {
    this.#closers.push(events.subscribe((event) => this.#observe(event)));
  }

  /** How many relayed codexd event streams are open (the app's relay). */
  watchRelay(size: () => number): void {
    this.#relaySize = size;
  }

  /** A relayed codexd event stream was cut off for being too slow. */
  relayCutOff(): void {
    this.#relayCutOffs();
  }

  close(): void {
    for (const close of this.#closers.splice(0)) close();
  }

  #observeClaims(seconds: number, claims: readonly ClaimedRun[]): void {
    this.#counted.claimDuration.observe(seconds);
    this.#counted.claimed.inc(claims.length);
    for (const { task, run } of claims) {
      if (run.attempt !== 1) continue;
      const ready = Math.max(
        Date.parse(task.createdAt),
        task.notBefore === null ? 0 : Date.parse(task.notBefore)
      );
      const claimedAt = Date.parse(run.startedAt);
      if (Number.isFinite(ready) && Number.isFinite(claimedAt))
        this.#counted.queueWait.observe(Math.max(0, claimedAt - ready) / 1000);
    }
  }

  #observe(event: CodexdEvent): void {
    this.#counted.events.inc({ category: event.type.split(".", 1)[0] === "run" ? "run" : "other" });
    this.#observeReview(event);
    if (event.runId === undefined) return;
    const at = Date.parse(event.at);
    if (event.type === "run.started") {
      if (this.#runStarts.size >= 10_000)
        this.#runStarts.delete(this.#runStarts.keys().next().value as string);
      this.#runStarts.set(event.runId, at);
    } else if (event.type === "run.ended") {
      const state = String((event.data as { state?: unknown } | null)?.state ?? "unknown");
      this.#counted.runs.inc({ state });
      const started = this.#runStarts.get(event.runId);
      this.#runStarts.delete(event.runId);
      if (started !== undefined && Number.isFinite(at))
        this.#counted.runDuration.observe({ state }, Math.max(0, at - started) / 1000);
    }
  }
}

/** The counters and histograms this node moves as it claims and runs. */
function registerCountedMetrics(registers: Registry[]) {
  return {
    claimDuration: new Histogram({
      name: `${PREFIX}claim_duration_seconds`,
      help: "Time of one claim call of the scheduler against the store (claim latency).",
      buckets: CLAIM_BUCKETS,
      registers
    }),
    claimed: new Counter({
      name: `${PREFIX}tasks_claimed_total`,
      help: "Runs claimed by this node's scheduler.",
      registers
    }),
    queueWait: new Histogram({
      name: `${PREFIX}task_queue_wait_seconds`,
      help: "For a task's first run: time from its creation (or notBefore, if later) to its claim, by the store's clock.",
      buckets: WAIT_BUCKETS,
      registers
    }),
    runs: new Counter({
      name: `${PREFIX}runs_total`,
      help: "Runs this node ended, by run state.",
      labelNames: ["state"],
      registers
    }),
    runDuration: new Histogram({
      name: `${PREFIX}run_duration_seconds`,
      help: "Time from a run's start to its end on this node, by run state.",
      labelNames: ["state"],
      buckets: RUN_BUCKETS,
      registers
    }),
    events: new Counter({
      name: `${PREFIX}events_total`,
      help: "Events recorded in the task event log, by the first segment of their type.",
      labelNames: ["category"],
      registers
    })
  };
}

type CountedMetrics = ReturnType<typeof registerCountedMetrics>;

/** conductor_tasks and conductor_store_up, read at each scrape; returns the shared per-scrape count. */
function registerStoreGauges(
  registers: Registry[],
  store: NonNullable<ConductorMetricsSources["store"]>,
  logger: Logger | undefined
): () => Promise<Record<TaskState, number> | null> {
  // One read per scrape, shared by both gauges (a scrape collects every metric at once).
  let pending: Promise<Record<TaskState, number> | null> | undefined;
  const readCounts = () =>
    (pending ??= store
      .countTasksByState()
      .catch((error: unknown) => {
        // The scrape still answers; store_up says why the task gauges are missing.
        logger?.warn({ err: error }, "metrics: could not count tasks by state");
        return null;
      })
      .finally(() => {
        pending = undefined;
      }));
  new Gauge({
    name: `${PREFIX}tasks`,
    help: "Tasks in the control store, by state (every node's; read at each scrape).",
    labelNames: ["state"],
    registers,
    async collect() {
      this.reset();
      const counts = await readCounts();
      for (const [state, count] of Object.entries(counts ?? {})) this.set({ state }, count);
    }
  });
  new Gauge({
    name: `${PREFIX}store_up`,
    help: "1 when this scrape could read the control store, else 0 (conductor_tasks is then left out).",
    registers,
    async collect() {
      this.set((await readCounts()) === null ? 0 : 1);
    }
  });
  return readCounts;
}

/** The lease gauges and the leadership-change counter; returns the unsubscribe. */
function registerLeaseMetrics(
  registers: Registry[],
  lease: NonNullable<ConductorMetricsSources["lease"]>
): () => void {
  new Gauge({
    name: `${PREFIX}lease_term`,
    help: "This node's lease term while it leads, else the last term it saw.",
    registers,
    collect() {
      this.set(lease.view().term);
    }
  });
  new Gauge({
    name: `${PREFIX}leader`,
    help: "1 while this node leads (holds the scheduler lease), else 0.",
    registers,
    collect() {
      this.set(lease.view().role === "leader" ? 1 : 0);
    }
  });
  const changes = new Counter({
    name: `${PREFIX}leadership_changes_total`,
    help: "Times this node became leader or stepped down, by the role it took.",
    labelNames: ["role"],
    registers
  });
  changes.inc({ role: "leader" }, 0);
  changes.inc({ role: "standby" }, 0);
  return lease.onChange((leading) => changes.inc({ role: leading === null ? "standby" : "leader" }));
}

/** Live stream clients and cut-offs, for task streams and relayed codexd streams. */
function registerStreamMetrics(registers: Registry[], relaySize: () => number) {
  const subscribers: Gauge<"stream"> = new Gauge({
    name: `${PREFIX}event_stream_subscribers`,
    help: "Live WebSocket clients: relayed codexd event streams (codex_relay) and task event streams (task).",
    labelNames: ["stream"],
    registers,
    collect: () => {
      subscribers.set({ stream: "codex_relay" }, relaySize());
    }
  });
  subscribers.set({ stream: "task" }, 0);
  const cutOffs = new Counter({
    name: `${PREFIX}event_stream_cutoffs_total`,
    help: "Event-stream clients the conductor closed, by stream (codex_relay, task) and reason (slow_consumer: too many bytes unsent).",
    labelNames: ["stream", "reason"],
    registers
  });
  cutOffs.inc({ stream: "task", reason: "slow_consumer" }, 0);
  cutOffs.inc({ stream: "codex_relay", reason: "slow_consumer" }, 0);
  const task: TaskStreamObserver = {
    opened: () => subscribers.inc({ stream: "task" }),
    closed: () => subscribers.dec({ stream: "task" }),
    cutOff: (reason) => cutOffs.inc({ stream: "task", reason })
  };
  return { task, relayCutOff: () => cutOffs.inc({ stream: "codex_relay", reason: "slow_consumer" }) };
}
