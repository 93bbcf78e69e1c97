import type { Logger } from "pino";
import { Gauge, Histogram, type Registry } from "prom-client";
import type { LandQueueCounts } from "../land-queue/merge-queue.js";
import { guarded, registerCounters, type CounterSpec } from "./metric-tables.js";

const PREFIX = "conductor_";
/** From seconds (an empty queue, quick checks) to a day (a long queue, or one waiting on a person). */
const TO_LAND_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600];

const TABLE = {
  land_queue_entered_total: {
    help: "Tasks this node put in a merge queue (POST /v1/tasks/:task_id/land with queue: true)."
  },
  land_queue_attempts_total: {
    help: "Lands of a queue head this node tried, by outcome: landed, conflict, checks_failed (both sent back), retry (the target moved), wait, dropped.",
    labels: { outcome: ["landed", "conflict", "checks_failed", "retry", "wait", "dropped"] }
  }
} satisfies Record<string, CounterSpec>;

/**
 * The merge queue's metrics on the node's registry: counters, the queue length as this node's
 * processor last listed it, and the time from queued to landed (wall clock against the entry's
 * `queuedAt`).
 */
export function registerLandQueueMetrics(
  registry: Registry,
  options: { wallNow: () => number; logger?: Pick<Logger, "warn"> }
): LandQueueCounts {
  const counters = registerCounters(registry, PREFIX, TABLE);
  const length = new Gauge({
    name: `${PREFIX}land_queue_length`,
    help: "Tasks waiting in every merge queue (every node's), as this node's queue processor last listed them.",
    registers: [registry]
  });
  const toLand = new Histogram({
    name: `${PREFIX}land_queue_time_to_land_seconds`,
    help: "Time from a task's joining a merge queue to its landing by this node.",
    buckets: TO_LAND_BUCKETS,
    registers: [registry]
  });
  return guarded(
    {
      entered: () => counters.land_queue_entered_total.inc(),
      attempt: (outcome, task) => {
        counters.land_queue_attempts_total.inc({ outcome });
        const queuedAt = Date.parse(task.landQueue?.queuedAt ?? "");
        if (outcome === "landed" && Number.isFinite(queuedAt))
          toLand.observe(Math.max(0, options.wallNow() - queuedAt) / 1000);
      },
      length: (tasks) => length.set(tasks)
    } satisfies LandQueueCounts,
    options.logger,
    "land_queue"
  );
}
