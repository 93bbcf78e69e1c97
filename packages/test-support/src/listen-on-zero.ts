import type { AddressInfo, Server } from "node:net";

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
