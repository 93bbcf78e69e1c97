import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { Registry } from "prom-client";
import { ConductorMetrics } from "../../src/metrics/conductor-metrics.js";
import { registerGitHubMetrics } from "../../src/metrics/github-metrics.js";
import { registerLandQueueMetrics } from "../../src/metrics/land-queue-metrics.js";
import { guarded, registerCounters } from "../../src/metrics/metric-tables.js";
import { registerNodeMetrics } from "../../src/metrics/node-metrics.js";
import { registerNotificationMetrics } from "../../src/notifications/notification-metrics.js";
import { sample } from "../helpers/metric-text.js";

test("a counter table: every label combination starts at 0, counts move one series", async () => {
  const registry = new Registry();
  const counters = registerCounters(registry, "t_", {
    plain_total: { help: "no labels" },
    pairs_total: { help: "two labels", labels: { a: ["x", "y"], b: ["1", "2"] } }
  });
  counters.pairs_total.inc({ a: "y", b: "2" });
  assert.equal(await sample(registry, "t_plain_total"), 0);
  for (const [a, b, want] of [
    ["x", "1", 0],
    ["x", "2", 0],
    ["y", "1", 0],
    ["y", "2", 1]
  ] as const)
    assert.equal(await sample(registry, "t_pairs_total", { a, b }), want, `${a},${b}`);
});

test("a guarded observer logs a failure to count instead of throwing it into the counted code", () => {
  const warned: unknown[] = [];
  const counts = guarded(
    {
      broken: (_outcome: string) => {
        throw new Error("label values do not match");
      }
    },
    { warn: (fields: unknown) => void warned.push(fields) } as never,
    "demo"
  );
  assert.doesNotThrow(() => counts.broken("landed"));
  assert.equal(warned.length, 1);
  assert.equal((warned[0] as { metric: string }).metric, "demo.broken");
});

/** Every Markdown file under docs/, as one text. */
function docsText(): string {
  const root = fileURLToPath(new URL("../../../../docs", import.meta.url));
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? walk(join(dir, entry.name))
        : entry.name.endsWith(".md")
          ? [readFileSync(join(dir, entry.name), "utf8")]
          : []
    );
  return walk(root).join("\n");
}

test("every metric a conductor node registers is named in docs/", async () => {
  const metrics = new ConductorMetrics({
    store: { countTasksByState: async () => ({}) as never },
    lease: {
      view: () => ({ role: "standby", nodeId: "n", term: 0, validUntil: null }),
      onChange: () => () => {}
    },
    system: { cached: () => null }
  });
  const { registry } = metrics;
  registerNodeMetrics(registry);
  registerNotificationMetrics(registry);
  registerGitHubMetrics(registry);
  registerLandQueueMetrics(registry, { wallNow: () => 0 });
  const docs = docsText();
  const names = (await registry.getMetricsAsJSON()).map((metric) => metric.name);
  assert.ok(names.includes("conductor_land_queue_length"));
  assert.deepEqual(
    names.filter((name) => !docs.includes(`\`${name}\``) && !docs.includes(`\`${name}{`)),
    [],
    "undocumented metrics"
  );
});
