/**
 * Keeps a list (oldest first) within `maxBytes` of JSON by dropping the oldest items that
 * `droppable` allows; items it protects are always kept, even over budget. Each item is
 * serialized once. `bytes` is what the kept items take, commas included.
 */
export function keepWithinBytes<T>(
  items: readonly T[],
  options: { maxBytes: number; droppable: (item: T) => boolean; overheadBytes?: number }
): { kept: T[]; dropped: T[]; bytes: number } {
  const sizes = items.map((item) => Buffer.byteLength(JSON.stringify(item)) + 1);
  let bytes = (options.overheadBytes ?? 0) + sizes.reduce((sum, size) => sum + size, 0);
  const drop = new Set<number>();
  for (let i = 0; i < items.length && bytes > options.maxBytes; i += 1) {
    if (!options.droppable(items[i] as T)) continue;
    drop.add(i);
    bytes -= sizes[i] as number;
  }
  return {
    kept: items.filter((_, i) => !drop.has(i)),
    dropped: items.filter((_, i) => drop.has(i)),
    bytes
  };
}

/**
 * Whether a list of `count` items may be near `maxBytes`, judged from the last write
 * (`lastBytes` for `lastCount` items): sizing every item costs a serialization, so it is only
 * done when this says so. With nothing written yet, it says yes.
 */
export function mayNearBudget(
  last: { bytes: number; count: number },
  count: number,
  maxBytes: number
): boolean {
  if (last.count === 0 || last.bytes === 0) return count > 0;
  return (last.bytes / last.count) * count >= maxBytes / 2;
}
