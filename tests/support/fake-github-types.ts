// The fake GitHub's public shapes: what a test seeds, reads back and injects (fake-github.ts).

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
export type RouteMatcher =
  | { method?: string; path?: string | RegExp }
  | ((request: RecordedRequest) => boolean);

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
  addIssue(issue: {
    owner: string;
    repo: string;
    title: string;
    body?: string;
    labels?: string[];
    state?: "open" | "closed";
  }): FakeIssue;
  /** Edits an issue as a person would on GitHub: its `updatedAt` moves (it sorts first by `updated`). */
  updateIssue(
    issue: FakeIssue,
    patch: Partial<Pick<FakeIssue, "title" | "body" | "labels" | "state">>
  ): FakeIssue;
  close(): Promise<void>;
}
