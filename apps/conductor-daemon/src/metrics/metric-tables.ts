import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";

/** One counter of a table: its help and, per label, every value it takes (each series starts at 0). */
export interface CounterSpec {
  help: string;
  labels?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Registers each counter of `table` on `registry` as `prefix` + its key, with every combination
 * of its label values at 0 (a series is there before its first count; label values stay bounded).
 */
export function registerCounters<K extends string>(
  registry: Registry,
  prefix: string,
  table: Readonly<Record<K, CounterSpec>>
): Record<K, Counter> {
  const counters = {} as Record<K, Counter>;
  for (const key of Object.keys(table) as K[]) {
    const { help, labels = {} } = table[key];
    const counter = new Counter({
      name: `${prefix}${key}`,
      help,
      labelNames: Object.keys(labels),
      registers: [registry]
    });
    for (const values of combinations(labels)) counter.inc(values, 0);
    counters[key] = counter;
  }
  return counters;
}

function combinations(labels: Readonly<Record<string, readonly string[]>>): Record<string, string>[] {
  return Object.entries(labels).reduce<Record<string, string>[]>(
    (partials, [name, values]) =>
      partials.flatMap((partial) => values.map((value) => ({ ...partial, [name]: value }))),
    [{}]
  );
}

/**
 * `observer` with each method's failure logged instead of thrown: counting never changes what
 * the code that counts does.
 */
export function guarded<T extends Record<string, (...args: never[]) => void>>(
  observer: T,
  logger: Pick<Logger, "warn"> | undefined,
  what: string
): T {
  const wrapped: Record<string, (...args: never[]) => void> = {};
  for (const [name, count] of Object.entries(observer)) {
    wrapped[name] = (...args) => {
      try {
        count(...args);
      } catch (error) {
        logger?.warn({ err: error, metric: `${what}.${name}` }, "metrics: could not count");
      }
    };
  }
  return wrapped as T;
}
