/**
 * A loopback stand-in for the GitHub REST API, just big enough for the forge code: pull requests,
 * issue comments and the issue list (labels/state filters, ETag → 304). Every request is recorded;
 * `failNext` injects an error answer for the next matching requests. Any repository exists.
 *
 *   const github = await startFakeGitHub({ token: "t0ken" });
 *   try { ...createGitHubForge({ token: "t0ken", apiUrl: github.url })... } finally { await github.close(); }
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeGitHubOptions {
  /** When set, every request must carry `authorization: token X` or `Bearer X`; otherwise 401. */
  token?: string;
  /** Serve the API under this path, as GitHub Enterprise does (`/api/v3`); `url` includes it. */
  pathPrefix?: string;
  /** Login of the token's user, the author of pull requests and comments. */
  login?: string;
}

export interface RecordedRequest {
  method: string;
  /** The path as received, prefix included, query excluded. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or null when there was none. */
  body: any;
  /** Date.now() when the request was read. */
  receivedAt: number;
}

export interface FakePull {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  draft: boolean;
  head: { ref: string; label: string };
  base: { ref: string };
  createdAt: string;
  updatedAt: string;
}

export interface FakeIssue {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  labels: string[];
  createdAt: string;
  updatedAt: string;
}

export interface FakeComment {
  owner: string;
  repo: string;
  issueNumber: number;
  id: number;
  body: string;
  createdAt: string;
}

/** Which requests an injected failure applies to; a function sees the recorded request. */
export type RouteMatcher = { method?: string; path?: string | RegExp } | ((request: RecordedRequest) => boolean);

export interface InjectedFailure {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Answer nothing at all (the connection stays open until `close`), to test deadlines. */
  stall?: boolean;
}

export interface FakeGitHub {
  /** Base API URL, e.g. `http://127.0.0.1:PORT` or `http://127.0.0.1:PORT/api/v3`. */
  url: string;
  /** Web origin used in `html_url`s. */
  webUrl: string;
  requests: RecordedRequest[];
  pulls: FakePull[];
  issues: FakeIssue[];
  comments: FakeComment[];
  failNext(matcher: RouteMatcher, failure: InjectedFailure): void;
  /** Seeds an issue (numbers are shared with pull requests, as on GitHub). */
  addIssue(issue: { owner: string; repo: string; title: string; body?: string; labels?: string[]; state?: "open" | "closed" }): FakeIssue;
  /** Edits an issue as a person would on GitHub: its `updatedAt` moves (it sorts first by `updated`). */
  updateIssue(issue: FakeIssue, patch: Partial<Pick<FakeIssue, "title" | "body" | "labels" | "state">>): FakeIssue;
  close(): Promise<void>;
}

type Handler = (context: RouteContext) => { status: number; body: unknown; headers?: Record<string, string> };

interface RouteContext {
  params: Record<string, string>;
  request: RecordedRequest;
}

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

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

function routeTable(state: FakeState, links: Links): Route[] {
  const routes: Route[] = [];
  const route = (method: string, template: string, handler: Handler) => {
    const names: string[] = [];
    const source = template.replace(/:(\w+)/g, (_, name: string) => {
      names.push(name);
      return "([^/]+)";
    });
    routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
  };
  route("GET", "/repos/:owner/:repo/pulls", (c) => listPulls(state, links, c));
  route("POST", "/repos/:owner/:repo/pulls", (c) => createPull(state, links, c));
  route("GET", "/repos/:owner/:repo/pulls/:number", (c) => readPull(state, links, c));
  route("PATCH", "/repos/:owner/:repo/pulls/:number", (c) => updatePull(state, links, c));
  route("GET", "/repos/:owner/:repo/issues", (c) => listIssues(state, links, c));
  route("GET", "/repos/:owner/:repo/issues/:number/comments", (c) => listComments(state, links, c));
  route("POST", "/repos/:owner/:repo/issues/:number/comments", (c) => createComment(state, links, c));
  return routes;
}

/** Runs the matching route; a GET answer carries an ETag, and a matching If-None-Match gets 304. */
function dispatch(routes: Route[], prefix: string, recorded: RecordedRequest): { status: number; body: unknown; headers?: Record<string, string> } {
  if (!recorded.path.startsWith(`${prefix}/`)) return notFound();
  const path = recorded.path.slice(prefix.length);
  for (const candidate of routes) {
    const match = candidate.method === recorded.method ? candidate.pattern.exec(path) : null;
    if (!match) continue;
    const params = Object.fromEntries(candidate.names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? "")]));
    const answer = candidate.handler({ params, request: recorded });
    if (answer.status !== 200 || recorded.method !== "GET") return answer;
    const etag = etagOf(answer.body);
    if (recorded.headers["if-none-match"] === etag) return { status: 304, body: null, headers: { etag } };
    return { ...answer, headers: { ...answer.headers, etag } };
  }
  return notFound();
}

/** The repositories' contents; pull requests and issues share one number space per repository. */
class FakeState {
  readonly pulls: FakePull[] = [];
  readonly issues: FakeIssue[] = [];
  readonly comments: FakeComment[] = [];
  private readonly nextNumber = new Map<string, number>();
  private nextCommentId = 1001;

  constructor(readonly login: string) {}

  takeNumber(owner: string, repo: string): number {
    const key = `${owner}/${repo}`.toLowerCase();
    const number = this.nextNumber.get(key) ?? 1;
    this.nextNumber.set(key, number + 1);
    return number;
  }

  takeCommentId(): number {
    return this.nextCommentId++;
  }

  addIssue(issue: { owner: string; repo: string; title: string; body?: string; labels?: string[]; state?: "open" | "closed" }): FakeIssue {
    const now = new Date().toISOString();
    const record: FakeIssue = {
      owner: issue.owner,
      repo: issue.repo,
      number: this.takeNumber(issue.owner, issue.repo),
      title: issue.title,
      body: issue.body ?? null,
      state: issue.state ?? "open",
      labels: issue.labels ?? [],
      createdAt: now,
      updatedAt: now
    };
    this.issues.push(record);
    return record;
  }

  pull(owner: string, repo: string, number: number): FakePull | undefined {
    return this.pulls.find((pull) => sameRepo(pull, owner, repo) && pull.number === number);
  }
}

interface Links {
  web(): string;
}

function listPulls(state: FakeState, links: Links, { params, request }: RouteContext) {
  const wanted = request.query.state ?? "open";
  const matches = state.pulls.filter(
    (pull) =>
      sameRepo(pull, params.owner!, params.repo!) &&
      (wanted === "all" || pull.state === wanted) &&
      (request.query.head === undefined || pull.head.label === request.query.head) &&
      (request.query.base === undefined || pull.base.ref === request.query.base)
  );
  return paginate(matches.map((pull) => pullJson(state, links, pull)), request, links);
}

function createPull(state: FakeState, links: Links, { params, request }: RouteContext) {
  const body = request.body ?? {};
  const missing = ["title", "head", "base"].filter((field) => typeof body[field] !== "string" || body[field] === "");
  if (missing.length > 0) {
    return validationFailed(missing.map((field) => ({ resource: "PullRequest", field, code: "missing_field" })));
  }
  const owner = params.owner!;
  const repo = params.repo!;
  const headLabel = String(body.head).includes(":") ? String(body.head) : `${owner}:${body.head}`;
  const headRef = headLabel.slice(headLabel.indexOf(":") + 1);
  const duplicate = state.pulls.find(
    (pull) => sameRepo(pull, owner, repo) && pull.state === "open" && pull.head.label === headLabel && pull.base.ref === body.base
  );
  if (duplicate) {
    return validationFailed([{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${headLabel}.` }]);
  }
  const now = new Date().toISOString();
  const pull: FakePull = {
    owner,
    repo,
    number: state.takeNumber(owner, repo),
    title: body.title,
    body: typeof body.body === "string" ? body.body : null,
    state: "open",
    draft: body.draft === true,
    head: { ref: headRef, label: headLabel },
    base: { ref: body.base },
    createdAt: now,
    updatedAt: now
  };
  state.pulls.push(pull);
  return { status: 201, body: pullJson(state, links, pull) };
}

function readPull(state: FakeState, links: Links, { params }: RouteContext) {
  const pull = state.pull(params.owner!, params.repo!, Number(params.number));
  return pull ? { status: 200, body: pullJson(state, links, pull) } : notFound();
}

function updatePull(state: FakeState, links: Links, { params, request }: RouteContext) {
  const pull = state.pull(params.owner!, params.repo!, Number(params.number));
  if (!pull) return notFound();
  const body = request.body ?? {};
  if (typeof body.title === "string") pull.title = body.title;
  if (typeof body.body === "string") pull.body = body.body;
  if (typeof body.base === "string") pull.base.ref = body.base;
  if (body.state === "open" || body.state === "closed") pull.state = body.state;
  pull.updatedAt = new Date().toISOString();
  return { status: 200, body: pullJson(state, links, pull) };
}

function listIssues(state: FakeState, links: Links, { params, request }: RouteContext) {
  const wanted = request.query.state ?? "open";
  const labels = (request.query.labels ?? "").split(",").map((label) => label.trim()).filter(Boolean);
  // GitHub lists pull requests among issues (with a `pull_request` key); pollers must skip them.
  const all = [
    ...state.issues.map((issue) => ({ sortNumber: issue.number, updatedAt: issue.updatedAt, state: issue.state, labels: issue.labels, json: issueJson(state, links, issue) })),
    ...state.pulls.map((pull) => ({ sortNumber: pull.number, updatedAt: pull.updatedAt, state: pull.state, labels: [] as string[], json: pullAsIssueJson(state, links, pull) }))
  ].filter((entry) => entry.json.repository_url.endsWith(`/repos/${params.owner}/${params.repo}`));
  const matches = all
    .filter((entry) => (wanted === "all" || entry.state === wanted) && labels.every((label) => entry.labels.includes(label)))
    // GitHub's `sort=updated` (newest update first), else newest created first.
    .sort((left, right) =>
      request.query.sort === "updated" ? right.updatedAt.localeCompare(left.updatedAt) || right.sortNumber - left.sortNumber : right.sortNumber - left.sortNumber
    );
  return paginate(
    matches.map((entry) => entry.json),
    request,
    links
  );
}

function listComments(state: FakeState, links: Links, { params, request }: RouteContext) {
  const number = Number(params.number);
  if (!issueOrPullExists(state, params.owner!, params.repo!, number)) return notFound();
  const matches = state.comments.filter((comment) => sameRepo(comment, params.owner!, params.repo!) && comment.issueNumber === number);
  return paginate(matches.map((comment) => commentJson(state, links, comment)), request, links);
}

function createComment(state: FakeState, links: Links, { params, request }: RouteContext) {
  const number = Number(params.number);
  if (!issueOrPullExists(state, params.owner!, params.repo!, number)) return notFound();
  const body = request.body ?? {};
  if (typeof body.body !== "string" || body.body === "") {
    return validationFailed([{ resource: "IssueComment", field: "body", code: "missing_field" }]);
  }
  const comment: FakeComment = {
    owner: params.owner!,
    repo: params.repo!,
    issueNumber: number,
    id: state.takeCommentId(),
    body: body.body,
    createdAt: new Date().toISOString()
  };
  state.comments.push(comment);
  return { status: 201, body: commentJson(state, links, comment) };
}

function issueOrPullExists(state: FakeState, owner: string, repo: string, number: number): boolean {
  return (
    state.pull(owner, repo, number) !== undefined ||
    state.issues.some((issue) => sameRepo(issue, owner, repo) && issue.number === number)
  );
}

function pullJson(state: FakeState, links: Links, pull: FakePull) {
  const api = `${links.web()}/repos/${pull.owner}/${pull.repo}`;
  return {
    url: `${api}/pulls/${pull.number}`,
    id: 500_000 + pull.number,
    number: pull.number,
    html_url: `${links.web()}/${pull.owner}/${pull.repo}/pull/${pull.number}`,
    state: pull.state,
    title: pull.title,
    body: pull.body,
    draft: pull.draft,
    user: userJson(state),
    head: { ref: pull.head.ref, label: pull.head.label, sha: shaOf(pull.head.label) },
    base: { ref: pull.base.ref, label: `${pull.owner}:${pull.base.ref}`, sha: shaOf(pull.base.ref) },
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    merged_at: null
  };
}

function pullAsIssueJson(state: FakeState, links: Links, pull: FakePull) {
  const api = `${links.web()}/repos/${pull.owner}/${pull.repo}`;
  return {
    url: `${api}/issues/${pull.number}`,
    repository_url: api,
    id: 600_000 + pull.number,
    number: pull.number,
    html_url: `${links.web()}/${pull.owner}/${pull.repo}/pull/${pull.number}`,
    state: pull.state,
    title: pull.title,
    body: pull.body,
    labels: [],
    user: userJson(state),
    pull_request: { url: `${api}/pulls/${pull.number}`, html_url: `${links.web()}/${pull.owner}/${pull.repo}/pull/${pull.number}` },
    created_at: pull.createdAt,
    updated_at: pull.updatedAt
  };
}

function issueJson(state: FakeState, links: Links, issue: FakeIssue) {
  const api = `${links.web()}/repos/${issue.owner}/${issue.repo}`;
  return {
    url: `${api}/issues/${issue.number}`,
    repository_url: api,
    id: 600_000 + issue.number,
    number: issue.number,
    html_url: `${links.web()}/${issue.owner}/${issue.repo}/issues/${issue.number}`,
    state: issue.state,
    title: issue.title,
    body: issue.body,
    labels: issue.labels.map((name, index) => ({ id: index + 1, name })),
    user: userJson(state),
    created_at: issue.createdAt,
    updated_at: issue.updatedAt
  };
}

function commentJson(state: FakeState, links: Links, comment: FakeComment) {
  const kind = state.pull(comment.owner, comment.repo, comment.issueNumber) ? "pull" : "issues";
  return {
    id: comment.id,
    html_url: `${links.web()}/${comment.owner}/${comment.repo}/${kind}/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${links.web()}/repos/${comment.owner}/${comment.repo}/issues/${comment.issueNumber}`,
    body: comment.body,
    user: userJson(state),
    created_at: comment.createdAt,
    updated_at: comment.createdAt
  };
}

function userJson(state: FakeState) {
  return { login: state.login, id: 4242, type: "User" };
}

/** `per_page` / `page` with a `Link` header, so octokit's paginate walks it as it walks GitHub. */
function paginate(items: unknown[], request: RecordedRequest, links: Links) {
  const perPage = Math.min(100, Math.max(1, Number(request.query.per_page ?? 30) || 30));
  const page = Math.max(1, Number(request.query.page ?? 1) || 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const headers: Record<string, string> = {};
  if (page * perPage < items.length) {
    const next = new URLSearchParams({ ...request.query, page: String(page + 1) });
    headers.link = `<${links.web()}${request.path}?${next}>; rel="next"`;
  }
  return { status: 200, body: slice, headers };
}

function validationFailed(errors: unknown[]) {
  return {
    status: 422,
    body: { message: "Validation Failed", errors, documentation_url: "https://docs.github.com/rest" }
  };
}

function notFound() {
  return { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } };
}

function sameRepo(record: { owner: string; repo: string }, owner: string, repo: string): boolean {
  return record.owner.toLowerCase() === owner.toLowerCase() && record.repo.toLowerCase() === repo.toLowerCase();
}

function authorized(header: string | undefined, token: string): boolean {
  return header === `token ${token}` || header === `Bearer ${token}` || header === `bearer ${token}`;
}

function takeFailure(failures: Array<{ matcher: RouteMatcher; failure: InjectedFailure; left: number }>, request: RecordedRequest) {
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
  return typeof matcher.path === "string" ? request.path.endsWith(matcher.path) : matcher.path.test(request.path);
}

function etagOf(body: unknown): string {
  return `"${createHash("sha1").update(JSON.stringify(body)).digest("hex")}"`;
}

function shaOf(text: string): string {
  return createHash("sha1").update(text).digest("hex");
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
