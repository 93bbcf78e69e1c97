/**
 * The reliability suite's knobs and figures: iteration counts and the seed come from env vars
 * (CI defaults otherwise), and every test prints what it did as one `reliability:` line so a
 * closing note can quote it and a failure can be replayed with the same seed.
 *
 * BAA_RELIABILITY_SEED        the seed (default: a fresh one, printed)
 * BAA_RELIABILITY_ITERATIONS  fault-injection iterations (default 20)
 * BAA_RELIABILITY_FUZZ_CASES  fuzz cases across the three services (default 10000)
 * BAA_RELIABILITY_LOAD_MS     how long the load test runs (default 4000)
 */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

/** The run's seed: BAA_RELIABILITY_SEED or a fresh one. */
export function reliabilitySeed(): number {
  return envInt("BAA_RELIABILITY_SEED", 0) || (Date.now() ^ (process.pid << 8)) >>> 0;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same fault points. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Prints a test's figures on one line (the node:test output keeps stdout). */
export function reportFigures(test: string, figures: Record<string, unknown>): void {
  console.log(`reliability: ${JSON.stringify({ test, ...figures })}`);
}

/** p50/p90/p99/max of a list of numbers (ms), rounded to 0.1. */
export function percentiles(values: number[]): {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
} {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    n: sorted.length,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(sorted[sorted.length - 1] ?? 0)
  };
}
