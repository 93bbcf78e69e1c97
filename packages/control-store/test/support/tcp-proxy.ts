import { createConnection, createServer, type Server, type Socket } from "node:net";

/** A loopback TCP relay to a server, which a test can take down and bring back on the same port. */
export interface TcpProxy {
  port: number;
  /** Refuses new connections and cuts every open one (the store "goes down"). */
  stop(): Promise<void>;
  /** Listens again on the same port (the store "comes back"). */
  start(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = createConnection(target);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          // A cut connection is the point of this proxy; the store under test reports it.
          socket.on("error", () => socket.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    async stop() {
      const s = server;
      server = null;
      for (const socket of sockets) socket.destroy();
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    start: listen
  };
}
