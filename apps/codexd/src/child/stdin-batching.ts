import type { ChildLike, ChildWritableLike } from "@baa/app-server-client";

interface CorkableStdin extends ChildWritableLike {
  cork(): void;
  uncork(): void;
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
}

function corkable(stdin: ChildWritableLike | null): stdin is CorkableStdin {
  const maybe = stdin as Partial<CorkableStdin> | null;
  return typeof maybe?.cork === "function" && typeof maybe.uncork === "function";
}

/**
 * The child, with the requests written to its stdin in one event-loop turn sent as one write.
 * Fifty HTTP requests taken in at once each write a `turn/start` line; written one by one, each
 * write wakes app-server, and on a busy machine the waker loses its CPU to it: codexd then
 * hands app-server the burst one request per time slice (measured: ~11 ms per write at load
 * ~30). Corked until `defer` runs (after the I/O callbacks of this turn), the lines go in one
 * `writev`. A stdin that cannot cork (a test's fake) is left as it is.
 */
export function batchStdinWrites(
  child: ChildLike,
  defer: (flush: () => void) => void = setImmediate
): ChildLike {
  const real = child.stdin;
  if (!corkable(real)) return child;
  let corked = false;
  const flush = (): void => {
    if (!corked) return;
    corked = false;
    real.uncork();
  };
  const stdin: CorkableStdin = {
    write(chunk) {
      if (!corked) {
        corked = true;
        real.cork();
        defer(flush);
      }
      return real.write(chunk);
    },
    end() {
      flush();
      real.end();
    },
    cork: () => real.cork(),
    uncork: () => real.uncork(),
    on(event, listener) {
      real.on?.(event, listener);
      return stdin;
    }
  };
  // Everything else is the child's own, called on the child (a Proxy as `this` would not do for
  // node's ChildProcess internals).
  return new Proxy(child, {
    get(target, property) {
      if (property === "stdin") return stdin;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    }
  });
}
