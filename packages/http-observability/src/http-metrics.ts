import type { FastifyInstance } from "fastify";
import { Counter, type Registry } from "prom-client";

/** Buckets of the request-duration histogram, in seconds. */
export const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type LabelName = "method" | "route" | "status";
type Labels = Record<LabelName, string>;

/** One method, route and status: its counts since the start, kept by the request hook. */
interface Series {
  labels: Labels;
  /** Requests not yet handed to the prom-client counter. */
  uncounted: number;
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  buckets: number[];
}

/**
 * Counts every answered request by method, route pattern and status, and times it. The label
 * is the route as registered (`/v1/tasks/:task_id`), never the raw URL, so the label set stays
 * bounded; a request no route matched is `unmatched`.
 *
 * The request hook only adds to plain numbers of its series; the metrics are built from them
 * when scraped (prom-client hashing labels twice per request cost more than the conductor's
 * whole proxy hop). The histogram is exported exactly as a prom-client `Histogram` would be.
 */
export function installHttpMetrics(
  app: FastifyInstance,
  options: { registry: Registry; prefix: string }
): void {
  const record = createHttpMetrics(options.registry, options.prefix);
  // A callback hook: no promise per request.
  app.addHook("onResponse", (request, reply, done) => {
    record(
      request.method,
      request.routeOptions.url ?? "unmatched",
      reply.statusCode,
      reply.elapsedTime / 1000
    );
    done();
  });
}

/**
 * Registers `<prefix>http_requests_total` and `<prefix>http_request_duration_seconds` and returns
 * what counts one answered request; exported for the tests, which compare its exposition with
 * prom-client's own `Counter` and `Histogram`.
 */
export function createHttpMetrics(
  registry: Registry,
  prefix: string
): (method: string, route: string, status: number, seconds: number) => void {
  const labelNames = ["method", "route", "status"] as const;
  const series = new Map<string, Series>();
  new Counter({
    name: `${prefix}http_requests_total`,
    help: "HTTP requests answered, by method, route pattern and status code.",
    labelNames,
    registers: [registry],
    collect() {
      for (const one of series.values()) {
        if (one.uncounted === 0) continue;
        this.inc(one.labels, one.uncounted);
        one.uncounted = 0;
      }
    }
  });
  registry.registerMetric(
    new DurationHistogram(
      `${prefix}http_request_duration_seconds`,
      "Time from receiving a request to sending its answer, by method, route pattern and status code.",
      series
    ) as unknown as Parameters<Registry["registerMetric"]>[0]
  );
  return (method, route, status, seconds) => {
    const key = `${method} ${status} ${route}`;
    let one = series.get(key);
    if (one === undefined) {
      one = {
        labels: { method, route, status: String(status) },
        uncounted: 0,
        count: 0,
        sum: 0,
        buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0)
      };
      series.set(key, one);
    }
    one.uncounted += 1;
    one.count += 1;
    one.sum += seconds;
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]!) bucket++;
    one.buckets[bucket]! += 1;
  };
}

/** A value as prom-client's registry formats it (the shape its own `Histogram.get()` returns). */
interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels: Labels;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

/** The request-duration histogram, read from the hook's series; the registry formats it. */
class DurationHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly name: string;
  readonly help: string;
  readonly #series: Map<string, Series>;

  constructor(name: string, help: string, series: Map<string, Series>) {
    this.name = name;
    this.help = help;
    this.#series = series;
  }

  /** As prom-client's `Histogram.get()`: each value's labels with the series' labels merged in. */
  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    values: Array<Omit<ExportedValue, "sharedLabels">>;
    aggregator: string;
  }> {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ sharedLabels, labels, ...rest }) => ({
        ...rest,
        labels: { ...labels, ...sharedLabels }
      }))
    };
  }

  /** What the registry formats the text exposition from. */
  getForPromString(): Promise<{
    name: string;
    help: string;
    type: string;
    values: ExportedValue[];
    aggregator: string;
  }> {
    const values: ExportedValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const one of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i < DURATION_BUCKETS.length; i++) {
        cumulative += one.buckets[i]!;
        values.push({
          labels: { le: DURATION_BUCKETS[i]! },
          sharedLabels: one.labels,
          value: cumulative,
          metricName: bucketName,
          exemplar: null
        });
      }
      values.push(
        {
          labels: { le: "+Inf" },
          sharedLabels: one.labels,
          value: one.count,
          metricName: bucketName,
          exemplar: null
        },
        {
          labels: {},
          sharedLabels: one.labels,
          value: one.sum,
          metricName: `${this.name}_sum`,
          exemplar: undefined
        },
        {
          labels: {},
          sharedLabels: one.labels,
          value: one.count,
          metricName: `${this.name}_count`,
          exemplar: undefined
        }
      );
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator
    });
  }

  reset(): void {
    this.#series.clear();
  }
}
