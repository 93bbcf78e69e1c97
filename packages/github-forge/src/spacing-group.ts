import { setTimeout as delay } from "node:timers/promises";

/**
 * The one call plugin-throttling makes on its `write` and `notifications` groups
 * (Bottleneck.Group): `key(id).schedule(options, job, ...args)`.
 */
export interface SchedulingGroup {
  key(id: string): {
    schedule(options: unknown, job: (...args: unknown[]) => unknown, ...args: unknown[]): Promise<unknown>;
  };
}

const groups = new Map<number, SchedulingGroup>();

/**
 * Starts the jobs of one key at least `minTimeMs` apart, as the plugin's own groups do with fixed
 * 1 s (writes) and 3 s (notifying writes). Ours take the spacing from the forge's delay unit so
 * tests do not wait seconds. Groups are shared per spacing, keys per throttle id, so forges that
 * share a token and host share spacing, as GitHub counts.
 */
export function spacingGroup(minTimeMs: number): SchedulingGroup {
  const existing = groups.get(minTimeMs);
  if (existing) return existing;
  const nextStart = new Map<string, number>();
  const group: SchedulingGroup = {
    key: (id) => ({
      async schedule(_options, job, ...args) {
        const now = Date.now();
        const start = Math.max(now, nextStart.get(id) ?? 0);
        nextStart.set(id, start + minTimeMs);
        if (start > now) await delay(start - now);
        return job(...args);
      }
    })
  };
  groups.set(minTimeMs, group);
  return group;
}
