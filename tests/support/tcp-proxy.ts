import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface TcpProxy {
  port: number;
  /** Local ports of the proxy's connections to the upstream (what the server sees as client ports). */
  upstreamPorts(): number[];
  /** Forward again (listening on the same port). */
  up(): Promise<void>;
  /** Close the listener and cut every connection: clients get connection refused. */
  refuse(): Promise<void>;
  /** Keep every connection open but pass no byte either way, and accept new ones the same way. */
  blackhole(): void;
  close(): Promise<void>;
}

/** A loopback TCP proxy in front of `target`, to take a server away from a client and give it back. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let mode: "up" | "blackhole" = "up";
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = mode === "up" ? createConnection(target) : undefined;
        if (upstream === undefined) {
          // Accepted and silent: the client waits for a server that never speaks.
          client.on("error", () => client.destroy());
          pairs.add({ client, upstream: client });
          return;
        }
        const pair = { client, upstream };
        pairs.add(pair);
        const end = () => {
          client.destroy();
          upstream.destroy();
          pairs.delete(pair);
        };
        client.on("error", end);
        upstream.on("error", end);
        client.on("close", end);
        upstream.on("close", end);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });
  await listen();
  const cut = () => {
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  const closeServer = () =>
    new Promise<void>((resolve) => {
      if (server === undefined) return resolve();
      const s = server;
      server = undefined;
      s.close(() => resolve());
    });
  return {
    get port() {
      return port;
    },
    upstreamPorts: () => [...pairs].flatMap(({ upstream, client }) => (upstream === client || upstream.localPort === undefined ? [] : [upstream.localPort])),
    async up() {
      mode = "up";
      if (server === undefined) await listen();
    },
    async refuse() {
      await Promise.all([closeServer(), Promise.resolve(cut())]);
    },
    blackhole() {
      mode = "blackhole";
      for (const { client, upstream } of pairs) {
        client.unpipe();
        upstream.unpipe();
        client.pause();
        upstream.pause();
      }
    },
    async close() {
      cut();
      await closeServer();
    }
  };
}
