import { createConnection, createServer, type Server, type Socket } from "node:net";
import { listenOnZero } from "./ports.js";

/** A loopback TCP relay to a server, which a test can take away from its clients and give back. */
export interface TcpProxy {
  /** The proxy's port; it stays the same across `refuse` and `up`. */
  readonly port: number;
  /** Local ports of the proxy's connections to the target (what the target sees as client ports). */
  upstreamPorts(): number[];
  /** Close the listener and cut every connection: clients get "connection refused". */
  refuse(): Promise<void>;
  /** Forward again, listening on the same port. */
  up(): Promise<void>;
  /** Keep every connection open but pass no byte either way, and accept new ones the same way. */
  blackhole(): void;
  /** Cut everything and stop listening for good. */
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  /** Absent for a connection accepted while blackholed. */
  upstream?: Socket;
}

/** Starts a proxy on a free loopback port in front of `target`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let mode: "up" | "blackhole" = "up";
  let server: Server | undefined;
  let port = 0;

  const accept = (client: Socket) => relay(client, mode === "up" ? target : undefined, pairs);

  const listen = async () => {
    const s = createServer(accept);
    if (port === 0) port = await listenOnZero(s);
    else
      await new Promise<void>((resolve, reject) =>
        s.once("error", reject).listen(port, "127.0.0.1", resolve)
      );
    server = s;
  };

  const cut = () => cutAll(pairs);

  const stopListening = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      if (s === undefined) return resolve();
      s.close(() => resolve());
    });

  await listen();
  return {
    get port() {
      return port;
    },
    upstreamPorts: () =>
      [...pairs].flatMap(({ upstream }) => (upstream?.localPort === undefined ? [] : [upstream.localPort])),
    async refuse() {
      const closed = stopListening();
      cut();
      await closed;
    },
    async up() {
      mode = "up";
      if (server === undefined) await listen();
    },
    blackhole() {
      mode = "blackhole";
      for (const { client, upstream } of pairs) {
        client.unpipe();
        upstream?.unpipe();
        client.pause();
        upstream?.pause();
      }
    },
    async close() {
      const closed = stopListening();
      cut();
      await closed;
    }
  };
}

/** A client to `target` and back; with no target (blackholed), accepted and never answered. */
function relay(client: Socket, target: { host: string; port: number } | undefined, pairs: Set<Pair>): void {
  const pair: Pair = { client, upstream: target === undefined ? undefined : createConnection(target) };
  pairs.add(pair);
  const end = () => {
    client.destroy();
    pair.upstream?.destroy();
    pairs.delete(pair);
  };
  // A cut connection is the point of this proxy: the client under test is the one to report it.
  for (const socket of [client, pair.upstream]) {
    socket?.on("error", end);
    socket?.on("close", end);
  }
  // Accepted and silent: the client waits for a server that never speaks.
  if (pair.upstream === undefined) return;
  client.pipe(pair.upstream);
  pair.upstream.pipe(client);
}

function cutAll(pairs: Set<Pair>): void {
  for (const { client, upstream } of pairs) {
    client.destroy();
    upstream?.destroy();
  }
  pairs.clear();
}
