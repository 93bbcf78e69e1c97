/**
 * A loopback stand-in for the GitHub REST API, just big enough for the forge code: pull requests,
 * issue comments and the issue list (labels/state filters, ETag → 304). Every request is recorded;
 * `failNext` injects an error answer for the next matching requests. Any repository exists.
 *
 *   const github = await startFakeGitHub({ token: "t0ken" });
 *   try { ...createGitHubForge({ token: "t0ken", apiUrl: github.url })... } finally { await github.close(); }
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dispatch, routeTable } from "./fake-github-routes.js";
import { FakeState } from "./fake-github-state.js";
import type {
  FakeGitHub,
  FakeGitHubOptions,
  InjectedFailure,
  RecordedRequest,
  RouteMatcher
} from "./fake-github-types.js";

export type * from "./fake-github-types.js";

/** Starts the fake on 127.0.0.1, port 0. */
export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const prefix = (options.pathPrefix ?? "").replace(/\/+$/, "");
  const login = options.login ?? "baa-bot";
  const state = new FakeState(login);
  const failures: Array<{ matcher: RouteMatcher; failure: InjectedFailure; left: number }> = [];
  const requests: RecordedRequest[] = [];
  let webUrl = "";

  const routes = routeTable(state, { web: () => webUrl });

  const server = createServer((req, res) => {
    readBody(req)
      .then((raw) => {
        const url = new URL(req.url ?? "/", "http://fake.invalid");
        const recorded: RecordedRequest = {
          method: req.method ?? "GET",
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: { ...req.headers },
          body: parseJson(raw),
          receivedAt: Date.now()
        };
        requests.push(recorded);
        serve(recorded, req, res);
      })
      .catch((error: unknown) => send(res, 500, { message: `fake-github: ${String(error)}` }));
  });

  const serve = (recorded: RecordedRequest, req: IncomingMessage, res: ServerResponse) => {
    if (options.token !== undefined && !authorized(req.headers.authorization, options.token)) {
      send(res, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
      return;
    }
    const injected = takeFailure(failures, recorded);
    if (injected?.stall) return;
    if (injected) {
      send(res, injected.status, injected.body ?? { message: "injected failure" }, injected.headers);
      return;
    }
    const answer = dispatch(routes, prefix, recorded);
    send(res, answer.status, answer.body, answer.headers);
  };

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  webUrl = `http://127.0.0.1:${port}`;
  return {
    url: `${webUrl}${prefix}`,
    webUrl,
    requests,
    pulls: state.pulls,
    issues: state.issues,
    comments: state.comments,
    failNext(matcher, failure) {
      failures.push({ matcher, failure, left: failure.times ?? 1 });
    },
    addIssue(issue) {
      return state.addIssue(issue);
    },
    updateIssue(issue, patch) {
      Object.assign(issue, patch);
      // Strictly later than any earlier update, even within one millisecond.
      const last = Math.max(...state.issues.map((other) => Date.parse(other.updatedAt)));
      issue.updatedAt = new Date(Math.max(Date.now(), last + 1)).toISOString();
      return issue;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      })
  };
}

function authorized(header: string | undefined, token: string): boolean {
  return header === `token ${token}` || header === `Bearer ${token}` || header === `bearer ${token}`;
}

function takeFailure(
  failures: Array<{ matcher: RouteMatcher; failure: InjectedFailure; left: number }>,
  request: RecordedRequest
) {
  const index = failures.findIndex((entry) => entry.left > 0 && matches(entry.matcher, request));
  if (index < 0) return undefined;
  const entry = failures[index]!;
  entry.left -= 1;
  if (entry.left <= 0) failures.splice(index, 1);
  return entry.failure;
}

function matches(matcher: RouteMatcher, request: RecordedRequest): boolean {
  if (typeof matcher === "function") return matcher(request);
  if (matcher.method !== undefined && matcher.method.toUpperCase() !== request.method) return false;
  if (matcher.path === undefined) return true;
  return typeof matcher.path === "string"
    ? request.path.endsWith(matcher.path)
    : matcher.path.test(request.path);
}

function parseJson(raw: string): any {
  if (raw === "") return null;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const payload = status === 304 || body === null ? "" : JSON.stringify(body);
  const resetSeconds = Math.floor(Date.now() / 1000) + 3600;
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "x-github-request-id": `FAKE:${Math.random().toString(16).slice(2, 10)}`,
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-reset": String(resetSeconds),
    "x-ratelimit-used": "1",
    ...headers,
    "content-length": String(Buffer.byteLength(payload))
  });
  res.end(payload);
}
