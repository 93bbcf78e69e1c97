// A loopback stand-in for the conductor's HTTP API (node:http): fixed answers per
// "METHOD /path?query", and every request kept (method, url, parsed JSON body) for assertions.
import { createServer, type Server } from "node:http";
import { listenOnZero } from "@baa/test-support";
import { runCli } from "../src/index.js";

export interface SeenRequest {
  method: string;
  url: string;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export interface FakeAnswer {
  status: number;
  body: unknown;
}

export interface FakeConductor {
  base: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

export const ok = (data: unknown): FakeAnswer => ({ status: 200, body: { ok: true, data } });
export const refused = (status: number, code: string, message: string): FakeAnswer => ({
  status,
  body: { ok: false, error: { code, message } }
});

export async function fakeConductor(
  routes: Record<string, FakeAnswer | ((seen: SeenRequest) => FakeAnswer)>
): Promise<FakeConductor> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      const entry = {
        method: request.method ?? "",
        url: request.url ?? "",
        body: text === "" ? undefined : JSON.parse(text),
        headers: request.headers
      };
      seen.push(entry);
      const key = `${entry.method} ${entry.url}`;
      const route = routes[key];
      const answer =
        typeof route === "function"
          ? route(entry)
          : (route ?? refused(404, "route_not_found", `no route for ${key}`));
      response
        .writeHead(answer.status, { "content-type": "application/json" })
        .end(JSON.stringify(answer.body));
    });
  });
  const port = await listenOnZero(server);
  return {
    base: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  };
}

/** Runs `baa` in-process against a base URL; collects stdout, stderr and the exit code. */
export async function runBaa(
  argv: string[],
  options: { base?: string; cwd?: string; env?: Record<string, string> } = {}
) {
  let stdout = "";
  let stderr = "";
  const code = await runCli({
    argv: options.base === undefined ? argv : [...argv, "--base-url", options.base],
    env: options.env ?? {},
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    now: () => 0,
    sleep: async () => {},
    ...(options.cwd === undefined ? {} : { cwd: options.cwd })
  });
  return { code, stdout, stderr };
}
