/**
 * The codex settings every bench gives the baseline and ours alike: no shell snapshot, so a
 * slow shell profile on the machine (each new thread runs the login shell once) is not what
 * a bench measures. See docs/benchmarks.md.
 */
export const BENCH_CODEX_OPTIONS = Object.freeze({ shellSnapshot: false });
