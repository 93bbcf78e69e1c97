import type { CodexdEvent } from "./event-log-filter.js";

/** Anything that publishes events as they are recorded: an `EventLog`, or a fake. */
export interface EventPublisher {
  subscribe(listener: (event: CodexdEvent) => void): () => void;
}

/**
 * Resolves with the first event recorded from now on that `match` accepts, then unsubscribes.
 * Call it before the action that records the event (subscribe first, then act), so the event
 * cannot slip by. Waiting on what the code publishes, instead of polling or sleeping, keeps
 * tests off the wall clock. Rejects if `signal` aborts.
 * @example const started = nextEvent(log, (e) => e.type === "child.started"); kill(); await started;
 */
export function nextEvent(
  publisher: EventPublisher,
  match: (event: CodexdEvent) => boolean,
  options: { signal?: AbortSignal } = {}
): Promise<CodexdEvent> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      unsubscribe();
      reject(options.signal?.reason ?? new Error("aborted"));
    };
    const unsubscribe = publisher.subscribe((event) => {
      if (!match(event)) return;
      unsubscribe();
      options.signal?.removeEventListener("abort", onAbort);
      resolve(event);
    });
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener("abort", onAbort, { once: true });
  });
}
