import { type AddressInfo, createServer, type Server } from "node:net";

/**
 * Binds `server` to a port the kernel picks (0) on `host` and returns that port: no window in which
 * another process can take a port chosen beforehand. Works for net, http and https servers.
 */
export function listenOnZero(server: Server, host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once("error", failed);
    server.listen(0, host, () => {
      server.off("error", failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * A loopback port nothing listens on: bound on 0, then released. For "the service is down" addresses,
 * and for a process the test spawns that must be told its port up front; another process may take
 * the port meanwhile, so an in-process server never uses this (it listens on 0 itself).
 */
export async function closedPort(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  const port = await listenOnZero(server, host);
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}
