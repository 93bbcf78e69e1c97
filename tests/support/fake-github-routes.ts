// The fake GitHub's routes: pull requests, the issue list and issue comments, with pages and ETags.
import { createHash } from "node:crypto";
import type { FakeComment, FakePull, RecordedRequest } from "./fake-github-types.js";
import { commentJson, issueJson, pullAsIssueJson, pullJson, type Links } from "./fake-github-json.js";
import { sameRepo, type FakeState } from "./fake-github-state.js";

export type Handler = (context: RouteContext) => {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
};

export interface RouteContext {
  params: Record<string, string>;
  request: RecordedRequest;
}

export interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

export function routeTable(state: FakeState, links: Links): Route[] {
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
export function dispatch(
  routes: Route[],
  prefix: string,
  recorded: RecordedRequest
): { status: number; body: unknown; headers?: Record<string, string> } {
  if (!recorded.path.startsWith(`${prefix}/`)) return notFound();
  const path = recorded.path.slice(prefix.length);
  for (const candidate of routes) {
    const match = candidate.method === recorded.method ? candidate.pattern.exec(path) : null;
    if (!match) continue;
    const params = Object.fromEntries(
      candidate.names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? "")])
    );
    const answer = candidate.handler({ params, request: recorded });
    if (answer.status !== 200 || recorded.method !== "GET") return answer;
    const etag = etagOf(answer.body);
    if (recorded.headers["if-none-match"] === etag) return { status: 304, body: null, headers: { etag } };
    return { ...answer, headers: { ...answer.headers, etag } };
  }
  return notFound();
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
  return paginate(
    matches.map((pull) => pullJson(state, links, pull)),
    request,
    links
  );
}

function createPull(state: FakeState, links: Links, { params, request }: RouteContext) {
  const body = request.body ?? {};
  const missing = ["title", "head", "base"].filter(
    (field) => typeof body[field] !== "string" || body[field] === ""
  );
  if (missing.length > 0) {
    return validationFailed(
      missing.map((field) => ({ resource: "PullRequest", field, code: "missing_field" }))
    );
  }
  const owner = params.owner!;
  const repo = params.repo!;
  const headLabel = String(body.head).includes(":") ? String(body.head) : `${owner}:${body.head}`;
  const headRef = headLabel.slice(headLabel.indexOf(":") + 1);
  const duplicate = state.pulls.find(
    (pull) =>
      sameRepo(pull, owner, repo) &&
      pull.state === "open" &&
      pull.head.label === headLabel &&
      pull.base.ref === body.base
  );
  if (duplicate) {
    return validationFailed([
      { resource: "PullRequest", code: "custom", message: `A pull request already exists for ${headLabel}.` }
    ]);
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
  const labels = (request.query.labels ?? "")
    .split(",")
    .map((label) => label.trim())
    .filter(Boolean);
  // GitHub lists pull requests among issues (with a `pull_request` key); pollers must skip them.
  const all = [
    ...state.issues.map((issue) => ({
      sortNumber: issue.number,
      updatedAt: issue.updatedAt,
      state: issue.state,
      labels: issue.labels,
      json: issueJson(state, links, issue)
    })),
    ...state.pulls.map((pull) => ({
      sortNumber: pull.number,
      updatedAt: pull.updatedAt,
      state: pull.state,
      labels: [] as string[],
      json: pullAsIssueJson(state, links, pull)
    }))
  ].filter((entry) => entry.json.repository_url.endsWith(`/repos/${params.owner}/${params.repo}`));
  const matches = all
    .filter(
      (entry) =>
        (wanted === "all" || entry.state === wanted) && labels.every((label) => entry.labels.includes(label))
    )
    // GitHub's `sort=updated` (newest update first), else newest created first.
    .sort((left, right) =>
      request.query.sort === "updated"
        ? right.updatedAt.localeCompare(left.updatedAt) || right.sortNumber - left.sortNumber
        : right.sortNumber - left.sortNumber
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
  const matches = state.comments.filter(
    (comment) => sameRepo(comment, params.owner!, params.repo!) && comment.issueNumber === number
  );
  return paginate(
    matches.map((comment) => commentJson(state, links, comment)),
    request,
    links
  );
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

export function notFound() {
  return { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } };
}

function etagOf(body: unknown): string {
  return `"${createHash("sha1").update(JSON.stringify(body)).digest("hex")}"`;
}
