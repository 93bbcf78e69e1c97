import type { TaskOverlap } from "@baa/control-store";

/**
 * For each task, the other tasks that changed some of the same paths, and which: symmetric by
 * construction (A lists B with exactly the paths B lists A with). Ordered by task id and path.
 */
export function overlapsAmong(changed: ReadonlyMap<string, readonly string[]>): Map<string, TaskOverlap[]> {
  const ids = [...changed.keys()].sort();
  const sets = new Map(ids.map((id) => [id, new Set(changed.get(id))]));
  const result = new Map<string, TaskOverlap[]>(ids.map((id) => [id, []]));
  for (let i = 0; i < ids.length; i += 1) {
    for (let j = i + 1; j < ids.length; j += 1) {
      const a = ids[i] as string;
      const b = ids[j] as string;
      const other = sets.get(b) as Set<string>;
      const shared = [...(sets.get(a) as Set<string>)].filter((path) => other.has(path)).sort();
      if (shared.length === 0) continue;
      result.get(a)?.push({ taskId: b, paths: shared });
      result.get(b)?.push({ taskId: a, paths: shared });
    }
  }
  return result;
}

/** Whether two overlap lists say the same (so an unchanged task is not written). */
export function sameOverlaps(a: readonly TaskOverlap[], b: readonly TaskOverlap[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
