import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import { createServer, type Server as NetServer } from "node:net";
import type { Server as HttpServer } from "node:http";
import type { Logger } from "pino";

/** The longest Unix socket path Linux and macOS accept (sun_path minus its terminator). */
const MAX_SOCKET_PATH_BYTES = 103;

export interface LocalSocket {
  readonly path: string;
  /** Stops accepting, closes the socket file's listener and removes the file. */
  close(): Promise<void>;
}

/**
 * Serves `http` on a Unix socket file as well (mode 0600, owner only): every connection is
 * handed to the same HTTP server, so routes, the browser guard and WebSocket upgrades behave
 * exactly as over TCP. A local client (the conductor) saves the TCP loopback's cost per call.
 * Resolves to null, having logged why, when the path is too long or holds something that is
 * not a stale socket; codexd then serves TCP only.
 */
export async function listenOnLocalSocket(
  http: HttpServer,
  path: string,
  logger: Logger
): Promise<LocalSocket | null> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    logger.info({ path }, "state dir path too long for a Unix socket; serving TCP only");
    return null;
  }
  if (!removeStaleSocket(path, logger)) return null;
  const server: NetServer = createServer((socket) => http.emit("connection", socket));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => {
        server.off("error", reject);
        resolve();
      });
    });
    chmodSync(path, 0o600);
  } catch (error) {
    logger.warn({ err: error, path }, "could not listen on the local socket; serving TCP only");
    server.close();
    return null;
  }
  server.on("error", (error) => logger.warn({ err: error, path }, "local socket listener failed"));
  return {
    path,
    // Stops listening at once. Connections already handed over belong to the HTTP server, which
    // closes them; waiting for them here would wait for every keep-alive client to leave.
    close: async () => {
      server.close();
      removeQuietly(path, logger);
    }
  };
}

// Another codexd on this state dir was refused at start, so a socket file here is a dead one's.
function removeStaleSocket(path: string, logger: Logger): boolean {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    logger.warn({ err: error, path }, "cannot inspect the local socket path; serving TCP only");
    return false;
  }
  if (!isSocket) {
    logger.warn({ path }, "the local socket path holds something else; serving TCP only");
    return false;
  }
  return removeQuietly(path, logger);
}

function removeQuietly(path: string, logger: Logger): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    logger.warn({ err: error, path }, "could not remove the local socket file");
    return false;
  }
}
