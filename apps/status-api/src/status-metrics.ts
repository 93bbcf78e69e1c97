import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { StatusDocument } from "./status-collector.js";

const SOURCES = ["conductor", "codexd"] as const;
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * What each status collection found, as metrics: whether each source answered, how long it
 * took, and how many collections ran. Fed by the collector's results, not by a scrape of its own.
 */
export function statusMetrics(registry: Registry): (document: StatusDocument) => void {
  const registers = [registry];
  const up = new Gauge({
    name: "status_api_source_up",
    help: "1 when the source (conductor, codexd) answered the last status collection, else 0.",
    labelNames: ["source"],
    registers
  });
  const latency = new Histogram({
    name: "status_api_source_latency_seconds",
    help: "Time a source took to answer a status collection (answered or not), by source.",
    labelNames: ["source"],
    buckets: LATENCY_BUCKETS,
    registers
  });
  const collections = new Counter({
    name: "status_api_collections_total",
    help: "Status documents collected (requests and live-stream refreshes share one).",
    registers
  });
  return (document) => {
    collections.inc();
    for (const source of SOURCES) {
      const view = document[source];
      up.set({ source }, view.reachable ? 1 : 0);
      if (typeof view.latencyMs === "number") latency.observe({ source }, view.latencyMs / 1000);
    }
  };
}
