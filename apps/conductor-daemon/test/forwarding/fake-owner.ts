import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { NodeRecord } from "@baa/control-store";
import { listenOnZero } from "@baa/test-support";

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** An owner node's HTTP side: records what reaches it and answers with `answer`. */
export async function startFakeOwner(answer: (request: SeenRequest, response: ServerResponse) => void) {
  const seen: SeenRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const entry = {
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8")
      };
      seen.push(entry);
      answer(entry, response);
    });
  });
  const port = await listenOnZero(server);
  return {
    base: `http://127.0.0.1:${port}`,
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  };
}

/** A node row as the store would list it. */
export function nodeRow(
  nodeId: string,
  address: string | null,
  state: NodeRecord["state"] = "up"
): NodeRecord {
  return {
    nodeId,
    address,
    labels: [],
    capacity: 2,
    running: 0,
    version: "test",
    executes: true,
    draining: state === "draining",
    startedAt: "2026-01-01T00:00:00.000Z",
    lastSeenAt: "2026-01-01T00:00:05.000Z",
    expiresAt: "2026-01-01T00:00:35.000Z",
    state
  };
}
