import { AppServerTimeoutError, type AppServerClient } from "@baa/app-server-client";

/** Consecutive request timeouts, with no answer between them, after which the child counts as stalled. */
export const STALL_TIMEOUTS = 2;

/**
 * Wraps a client so that a child which stops answering (stdout open, nothing on it) is noticed:
 * after `limit` requests in a row time out with no request answered in between and nothing
 * written on stdout while they waited, `onStall` is called once with the reason. Any answer
 * (or error answer) resets the count, and a timeout while output still flowed (a slow child
 * busy writing, e.g. a huge line) does not count.
 */
export function guardAgainstStall(
  client: AppServerClient,
  options: {
    limit?: number;
    onStall: (reason: string) => void;
    now: () => number;
    lastOutputAt: () => number;
  }
): AppServerClient {
  const limit = options.limit ?? STALL_TIMEOUTS;
  let timeouts = 0;
  let reported = false;
  return new Proxy(client, {
    // Members are read from and called on the client itself: it keeps private fields, which a
    // Proxy as `this` cannot reach (a getter or `close()` would throw).
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "close") return (value as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => {
        const sentAt = options.now();
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.then(
          (answer) => {
            timeouts = 0;
            return answer;
          },
          (error: unknown) => {
            // A timeout counts only if nothing came on stdout while the request waited:
            // output still flowing means slow, not stalled.
            if (!(error instanceof AppServerTimeoutError)) {
              timeouts = 0;
            } else if (options.lastOutputAt() < sentAt && ++timeouts >= limit && !reported) {
              reported = true;
              options.onStall(
                `codex app-server stopped answering: ${timeouts} requests in a row timed out (last: ${error.message})`
              );
            }
            throw error;
          }
        );
      };
    }
  });
}
