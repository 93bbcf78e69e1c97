import { createRequire } from "node:module";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
const pg = createRequire(join(root, "packages/control-store/package.json"))("pg");

/**
 * Samples pg_stat_activity every `everyMs` over one connection of its own: the connections whose
 * application_name starts with `prefix` (open, running a statement, waiting on a lock) and, for
 * each lock wait seen, what waited (the statement's start), so a report can say which row queues.
 */
export async function startActivitySampler({ databaseUrl, prefix, everyMs = 100 }) {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "bench-sampler" });
  await client.connect();
  const samples = [];
  const waitedOn = new Map();
  let stopped = false;
  const sampleOnce = async () => {
    const { rows } = await client.query(
      `select count(*)::int as open,
              count(*) filter (where state = 'active')::int as active,
              count(*) filter (where wait_event_type = 'Lock')::int as lock_waits,
              (select count(*)::int from pg_stat_activity where backend_type = 'client backend') as server_total,
              coalesce(json_agg(json_build_object('event', wait_event, 'query', left(regexp_replace(query, '\\s+', ' ', 'g'), 70)))
                filter (where wait_event_type = 'Lock'), '[]') as waiting
       from pg_stat_activity where application_name like $1`,
      [`${prefix}%`]
    );
    const row = rows[0];
    samples.push({
      open: row.open,
      active: row.active,
      lockWaits: row.lock_waits,
      serverTotal: row.server_total
    });
    for (const wait of row.waiting) {
      const key = `${wait.event}: ${wait.query}`;
      waitedOn.set(key, (waitedOn.get(key) ?? 0) + 1);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await sampleOnce();
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    /** Counts of the samples so far: how many showed what, and the peaks. */
    async stop() {
      stopped = true;
      await loop;
      await client.end();
      const of = (key) => samples.map((sample) => sample[key]);
      const mean = (values) =>
        Math.round((values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)) * 100) / 100;
      return {
        samples: samples.length,
        openPeak: Math.max(0, ...of("open")),
        openMean: mean(of("open")),
        activeMean: mean(of("active")),
        activePeak: Math.max(0, ...of("active")),
        lockWaitsMean: mean(of("lockWaits")),
        lockWaitsPeak: Math.max(0, ...of("lockWaits")),
        samplesWithLockWait: samples.filter((sample) => sample.lockWaits > 0).length,
        serverConnectionsPeak: Math.max(0, ...of("serverTotal")),
        waitedOn: Object.fromEntries([...waitedOn.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5))
      };
    }
  };
}
