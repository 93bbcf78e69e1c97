import WebSocket from "ws";

export interface EventSocket {
  events: any[];
  /** Resolves once an event matching `predicate` has arrived (also if it already has). */
  waitFor(predicate: (event: any) => boolean, what: string, timeoutMs?: number): Promise<any>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens an event stream and collects every message in arrival order. */
export async function openEventSocket(url: string): Promise<EventSocket> {
  const socket = new WebSocket(url);
  const events: any[] = [];
  const waiters = new Set<() => void>();
  socket.on("message", (data) => {
    events.push(JSON.parse(String(data)));
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on("close", (code, reason) => {
      resolve({ code, reason: String(reason) });
      for (const wake of waiters) wake();
    })
  );
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  return {
    events,
    closed,
    close: () => socket.close(),
    waitFor(predicate, what, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(predicate);
          if (found !== undefined) {
            cleanup();
            resolve(found);
          } else if (socket.readyState === WebSocket.CLOSED) {
            cleanup();
            reject(new Error(`socket closed before ${what}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${what}; got ${events.map((e) => e.type).join(",")}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    }
  };
}
