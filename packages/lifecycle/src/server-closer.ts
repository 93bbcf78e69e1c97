import type { Socket } from "node:net";
import { backgroundTimers, type Timers } from "@baa/clock";

/** The part of an http/net server the closer watches: every accepted socket, upgraded ones too. */
export interface ConnectionSource {
  on(event: "connection", listener: (socket: Socket) => void): unknown;
}

export interface ServerCloser {
  /**
   * Runs `close` (e.g. a Fastify app's close, which waits for open connections) and gives
   * in-flight work `graceMs`; after that every socket still open is destroyed, so the close
   * completes. Resolves "forced" when sockets had to be destroyed, else "drained".
   */
  close(close: () => Promise<unknown>, graceMs: number): Promise<"drained" | "forced">;
  /** Sockets open now. */
  readonly open: number;
}

/**
 * Tracks a server's sockets from now on. A server's close waits for every connection to end,
 * and some never do by themselves: a request whose body never completes, a WebSocket whose peer
 * stopped reading, an upgrade half done. Node's `closeAllConnections` misses upgraded sockets;
 * this keeps its own set.
 */
export function trackConnections(server: ConnectionSource, timers: Timers = backgroundTimers): ServerCloser {
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return {
    get open() {
      return sockets.size;
    },
    async close(close, graceMs) {
      let forced = false;
      const handle = timers.setTimeout(() => {
        forced = sockets.size > 0;
        for (const socket of sockets) socket.destroy();
        sockets.clear();
      }, graceMs);
      try {
        await close();
      } finally {
        timers.clearTimeout(handle);
      }
      return forced ? "forced" : "drained";
    }
  };
}
