import { createServer, type ServerResponse } from "node:http";
import { listenOnZero } from "@baa/test-support";

export interface HungServer {
  baseUrl: string;
  /** `METHOD /path?query` of each request that reached it, in order. */
  requests: string[];
  /** Resolves once a client has let go of a request it never got an answer to. */
  abandoned: Promise<void>;
  close(): Promise<void>;
}

/**
 * An HTTP server that reads each request and never answers: a hung codexd. It tells when the
 * client gives up (the connection closes), so a test sees a deadline end the exchange.
 */
export async function startHungServer(): Promise<HungServer> {
  const requests: string[] = [];
  const held: ServerResponse[] = [];
  let abandon!: () => void;
  const abandoned = new Promise<void>((resolve) => {
    abandon = resolve;
  });
  const server = createServer((req, res) => {
    requests.push(`${req.method ?? ""} ${req.url ?? ""}`);
    held.push(res);
    req.resume();
    res.on("close", () => abandon());
  });
  const port = await listenOnZero(server);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    abandoned,
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };
}
