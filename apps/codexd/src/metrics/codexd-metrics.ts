import type { CodexdEvent, EventLog } from "@baa/event-log";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CodexdApi } from "../http/codexd-api.js";
import { childResidentBytes } from "./child-memory.js";
import { TurnTimer } from "./turn-timer.js";

/** What the metrics read at a scrape: sessions, approvals, the child, the event log. */
export interface CodexdMetricsSource {
  readonly events: Pick<EventLog, "subscribe" | "lastSeq">;
  listSessions(): readonly { status: string }[];
  pendingApprovals(): number;
  /** The daemon's view of the child and of the event-log writes (from `getStatus()`). */
  health(): {
    child: {
      status: string;
      pid: number | null;
      restarts: number;
      watchdog?: { restarts: number; pendingReason: string | null } | null;
    };
    unwrittenEvents: { waiting: number; lost: number };
  };
}

/** The source over the API the routes use (`CodexdCore`, or a route test's fake). */
export function metricsSourceOf(api: CodexdApi): CodexdMetricsSource {
  return {
    events: api.events,
    listSessions: () => api.listSessions(),
    pendingApprovals: () => api.approvals.list({ status: "pending" }).length,
    health: () => {
      const status = api.getStatus();
      return { child: status.snapshot.daemon.child, unwrittenEvents: status.health.unwrittenEvents };
    }
  };
}

/** Each live event stream reports here; the stream counts as a subscriber until it closes. */
export interface EventStreamObserver {
  opened(): void;
  closed(): void;
  cutOff(reason: "slow_consumer"): void;
}

const PREFIX = "codexd_";
const TURN_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
// Event categories are the first segment of the type; anything else is `other`, so a new
// app-server notification never grows the label set.
const EVENT_CATEGORIES = new Set(["app-server", "turn", "session", "child", "daemon", "approval", "thread"]);
const TOKEN_KINDS = {
  inputTokens: "input",
  cachedInputTokens: "cached_input",
  outputTokens: "output",
  reasoningOutputTokens: "reasoning_output"
} as const;

/** A gauge read from the source at each scrape (its name without the `codexd_` prefix). */
interface ScrapedGauge {
  name: string;
  help: string;
  labelNames?: string[];
  collect(gauge: Gauge, source: CodexdMetricsSource): void;
}

const SCRAPED_GAUGES: readonly ScrapedGauge[] = [
  {
    name: "sessions",
    help: "Sessions codexd holds, by status.",
    labelNames: ["status"],
    collect(gauge, source) {
      gauge.reset();
      for (const status of ["active", "closed", "failed"]) gauge.set({ status }, 0);
      for (const session of source.listSessions()) gauge.inc({ status: session.status });
    }
  },
  {
    name: "event_log_last_seq",
    help: "The seq of the newest recorded event.",
    collect: (gauge, source) => gauge.set(source.events.lastSeq)
  },
  {
    name: "events_unwritten",
    help: "Events not (yet) written to the log file: waiting for a retry, or lost.",
    labelNames: ["state"],
    collect(gauge, source) {
      const { waiting, lost } = source.health().unwrittenEvents;
      gauge.set({ state: "waiting" }, waiting);
      gauge.set({ state: "lost" }, lost);
    }
  },
  {
    name: "approvals_pending",
    help: "Approvals waiting for an answer.",
    collect: (gauge, source) => gauge.set(source.pendingApprovals())
  },
  {
    name: "child_restarts",
    help: "Restarts of the codex app-server child, as the daemon state counts them.",
    collect: (gauge, source) => gauge.set(source.health().child.restarts)
  },
  {
    name: "child_watchdog_restarts",
    help: "Restarts of the child by the memory watchdog (BAA_CODEXD_CHILD_MAX_RSS_MB); the reason is in status, snapshot.daemon.child.watchdog.",
    collect: (gauge, source) => gauge.set(source.health().child.watchdog?.restarts ?? 0)
  },
  {
    name: "child_watchdog_pending",
    help: "1 while the child is over its memory limit and the watchdog waits for its running turns to end, else 0.",
    collect: (gauge, source) => gauge.set(source.health().child.watchdog?.pendingReason ? 1 : 0)
  },
  {
    name: "child_up",
    help: "1 while the codex app-server child runs, else 0.",
    collect: (gauge, source) => gauge.set(source.health().child.status === "running" ? 1 : 0)
  },
  {
    name: "child_resident_memory_bytes",
    help: "Resident memory of the codex app-server child, labelled with its pid (Linux /proc only; absent elsewhere or while the child is down).",
    labelNames: ["pid"],
    collect(gauge, source) {
      gauge.reset();
      const { pid } = source.health().child;
      const bytes = childResidentBytes(pid);
      if (bytes !== null) gauge.set({ pid: String(pid) }, bytes);
    }
  },
  {
    name: "process_resident_memory_bytes",
    help: "Resident memory of the codexd process.",
    collect: (gauge) => gauge.set(process.memoryUsage.rss())
  }
];

/**
 * codexd's Prometheus registry, one per service instance (no global default registry, so
 * several codexd in one test process never collide). Counters move with the events the core
 * records (turns, tokens, events written); gauges are read from the core at each scrape.
 */
export class CodexdMetrics {
  readonly registry = new Registry();
  readonly streams: EventStreamObserver;
  readonly #turns: Counter<"outcome">;
  readonly #turnDuration: Histogram<"outcome">;
  readonly #tokens: Counter<"kind">;
  readonly #eventCounts = new Map<string, number>();
  readonly #timer = new TurnTimer();
  readonly #unsubscribe: () => void;

  constructor(source: CodexdMetricsSource) {
    const registers = [this.registry];
    for (const gauge of SCRAPED_GAUGES) {
      const { name, help, labelNames = [], collect } = gauge;
      new Gauge({
        name: `${PREFIX}${name}`,
        help,
        labelNames,
        registers,
        collect() {
          collect(this, source);
        }
      });
    }
    this.#turns = new Counter({
      name: `${PREFIX}turns_total`,
      help: "Turns that ended, by outcome (completed, interrupted, failed).",
      labelNames: ["outcome"],
      registers
    });
    this.#turnDuration = new Histogram({
      name: `${PREFIX}turn_duration_seconds`,
      help: "Time from a turn's start (accepted or started, whichever codexd saw first) to its end, by outcome.",
      labelNames: ["outcome"],
      buckets: TURN_BUCKETS,
      registers
    });
    this.#tokens = new Counter({
      name: `${PREFIX}tokens_total`,
      help: "Model tokens used, summed over codex's per-response token usage updates, by kind.",
      labelNames: ["kind"],
      registers
    });
    // Counted in plain numbers per category (every event passes here) and handed over at scrape.
    const eventCounts = this.#eventCounts;
    new Counter({
      name: `${PREFIX}events_total`,
      help: "Events recorded in the event log, by the first segment of their type.",
      labelNames: ["category"],
      registers,
      collect() {
        this.reset();
        for (const [category, count] of eventCounts) this.inc({ category }, count);
      }
    });
    const subscribers = new Gauge({
      name: `${PREFIX}event_stream_subscribers`,
      help: "Live event-stream WebSocket clients.",
      registers
    });
    const cutOffs = new Counter({
      name: `${PREFIX}event_stream_cutoffs_total`,
      help: "Event-stream clients closed by codexd, by reason (slow_consumer: too many bytes unsent).",
      labelNames: ["reason"],
      registers
    });
    cutOffs.inc({ reason: "slow_consumer" }, 0);
    this.streams = {
      opened: () => subscribers.inc(),
      closed: () => subscribers.dec(),
      cutOff: (reason) => cutOffs.inc({ reason })
    };
    this.#unsubscribe = source.events.subscribe((event) => this.#observe(event));
  }

  /** Stops counting events (the service stopped). */
  close(): void {
    this.#unsubscribe();
  }

  #observe(event: CodexdEvent): void {
    const dot = event.type.indexOf(".");
    const first = dot === -1 ? event.type : event.type.slice(0, dot);
    const category = EVENT_CATEGORIES.has(first) ? first : "other";
    this.#eventCounts.set(category, (this.#eventCounts.get(category) ?? 0) + 1);
    switch (event.type) {
      case "turn.accepted":
      case "app-server.turn.started":
        if (event.turnId !== null) this.#timer.start(event.turnId, Date.parse(event.at));
        return;
      case "app-server.turn.completed":
        this.#endTurn(event.turnId, turnStatusOf(event.data), Date.parse(event.at));
        return;
      case "turn.interrupted":
        // codexd's own end of a turn the child can no longer finish; counted once.
        if (event.turnId !== null && this.#timer.has(event.turnId))
          this.#endTurn(event.turnId, "interrupted", Date.parse(event.at));
        return;
      case "app-server.thread.tokenUsage.updated":
        this.#countTokens(event.data);
        return;
      default:
    }
  }

  #endTurn(turnId: string | null, outcome: string, atMs: number): void {
    this.#turns.inc({ outcome });
    const startedMs = turnId === null ? undefined : this.#timer.end(turnId);
    if (startedMs !== undefined && Number.isFinite(atMs))
      this.#turnDuration.observe({ outcome }, Math.max(0, atMs - startedMs) / 1000);
  }

  #countTokens(data: unknown): void {
    const last = (data as { tokenUsage?: { last?: Record<string, unknown> } } | null)?.tokenUsage?.last;
    if (last === undefined || last === null) return;
    for (const [field, kind] of Object.entries(TOKEN_KINDS)) {
      const value = last[field];
      if (typeof value === "number" && Number.isFinite(value) && value > 0) this.#tokens.inc({ kind }, value);
    }
  }
}

function turnStatusOf(data: unknown): string {
  const status = (data as { turn?: { status?: unknown } } | null)?.turn?.status;
  return status === "completed" || status === "interrupted" || status === "failed" ? status : "other";
}
