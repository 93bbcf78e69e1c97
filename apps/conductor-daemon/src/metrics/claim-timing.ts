import type { ClaimedRun, ControlStore } from "@baa/control-store";

/**
 * `store` with `claimTasks` timed: `observe` gets the call's duration in seconds and what it
 * claimed (a failed claim is not observed; the scheduler logs it). Every other member is the
 * store's own, bound to it (stores keep private fields).
 */
export function timeClaims<S extends Pick<ControlStore, "claimTasks">>(
  store: S,
  now: () => number,
  observe: (seconds: number, claims: readonly ClaimedRun[]) => void
): S {
  const claimTasks: ControlStore["claimTasks"] = async (options) => {
    const started = now();
    const claims = await store.claimTasks(options);
    observe(Math.max(0, now() - started) / 1000, claims);
    return claims;
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === "claimTasks") return claimTasks;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    }
  });
}
