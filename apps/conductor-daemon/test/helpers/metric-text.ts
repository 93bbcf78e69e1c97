import type { Registry } from "prom-client";

/**
 * The value of one sample in the registry's text output (what `GET /metrics` serves): the line
 * named `name` whose labels are exactly `labels`; undefined when there is none.
 */
export async function sample(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {}
): Promise<number | undefined> {
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .sort()
    .join(",");
  for (const line of (await registry.metrics()).split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const have = (match[2] ?? "").match(/[\w]+="(?:[^"\\]|\\.)*"/g) ?? [];
    if ([...have].sort().join(",") === wanted) return Number(match[3]);
  }
  return undefined;
}
