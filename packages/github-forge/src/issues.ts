import type { ForgeCall, RequestOptions } from "./forge-call.js";
import { ForgeError } from "./forge-error.js";
import { rateLimitOf, type RateLimitView } from "./rate-limit.js";
export { rateLimitOf, type RateLimitView } from "./rate-limit.js";
import type { ForgeOctokit } from "./octokit-client.js";

export interface ListIssuesInput {
  owner: string;
  repo: string;
  /** Only issues with every one of these labels. */
  labels?: readonly string[];
  /** Default `open`. */
  state?: "open" | "closed" | "all";
  /**
   * The ETag of the last response: when GitHub says nothing changed (304) the result is
   * `notModified` and the call cost nothing against the rate limit.
   */
  etag?: string | null;
  /** Page size, 1–100 (default 100). */
  perPage?: number;
  /** Stop after this many pages (default 10: 1,000 issues). */
  maxPages?: number;
}

export interface ListedIssue {
  id: number;
  /** GitHub's global node id, when it sent one. */
  nodeId: string | null;
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  labels: string[];
  /** The issue's page (`html_url`). */
  url: string;
  updatedAt: string | null;
}

export type ListIssuesResult =
  | { notModified: true; etag: string | null; rateLimit: RateLimitView }
  | {
      notModified: false;
      etag: string | null;
      issues: ListedIssue[];
      complete: boolean;
      rateLimit: RateLimitView;
    };

interface RawIssue {
  id: number;
  node_id?: string;
  number: number;
  title: string;
  body?: string | null;
  state: string;
  labels?: Array<string | { name?: string | null }>;
  html_url: string;
  updated_at?: string;
  pull_request?: unknown;
}

/**
 * The issues of a repository, most recently updated first (so any edit, label change or new
 * issue changes the first page and its ETag). Only the first page is asked conditionally; the
 * rest are walked through GitHub's `Link` pages. Pull requests, which GitHub lists among issues,
 * are left out.
 */
export async function listIssues(
  octokit: ForgeOctokit,
  call: ForgeCall,
  input: ListIssuesInput
): Promise<ListIssuesResult> {
  const perPage = Math.min(100, Math.max(1, Math.floor(input.perPage ?? 100)));
  const maxPages = Math.max(1, Math.floor(input.maxPages ?? 10));
  const issues: ListedIssue[] = [];
  let etag: string | null = null;
  let rateLimit: RateLimitView = { remaining: null, resetAt: null };
  for (let page = 1; page <= maxPages; page++) {
    const conditional = page === 1 && input.etag ? { "if-none-match": input.etag } : {};
    let response: Awaited<ReturnType<ForgeOctokit["issues"]["listForRepo"]>>;
    try {
      response = await call("issues.listForRepo", (request: RequestOptions) =>
        octokit.issues.listForRepo({
          owner: input.owner,
          repo: input.repo,
          state: input.state ?? "open",
          sort: "updated",
          direction: "desc",
          per_page: perPage,
          page,
          ...(input.labels === undefined || input.labels.length === 0
            ? {}
            : { labels: input.labels.join(",") }),
          headers: conditional,
          request
        })
      );
    } catch (error) {
      if (page === 1 && error instanceof ForgeError && error.status === 304) {
        return { notModified: true, etag: input.etag ?? null, rateLimit: error.rateLimit ?? rateLimit };
      }
      throw error;
    }
    const headers = response.headers as Record<string, string | number | undefined>;
    if (page === 1) etag = typeof headers.etag === "string" ? headers.etag : null;
    rateLimit = rateLimitOf(headers);
    for (const raw of response.data as RawIssue[]) {
      if (raw.pull_request !== undefined) continue;
      issues.push(toListedIssue(raw));
    }
    const more = typeof headers.link === "string" && /rel="next"/.test(headers.link);
    if (!more) return { notModified: false, etag, issues, complete: true, rateLimit };
  }
  return { notModified: false, etag, issues, complete: false, rateLimit };
}

export interface IssueCommentView {
  id: number;
  url: string;
  body: string;
}

/** Every comment of an issue (or pull request), oldest first, up to `maxPages` pages of 100. */
export async function listIssueComments(
  octokit: ForgeOctokit,
  call: ForgeCall,
  input: { owner: string; repo: string; issueNumber: number; maxPages?: number }
): Promise<IssueCommentView[]> {
  const comments: IssueCommentView[] = [];
  const maxPages = Math.max(1, Math.floor(input.maxPages ?? 10));
  for (let page = 1; page <= maxPages; page++) {
    const response = await call("issues.listComments", (request: RequestOptions) =>
      octokit.issues.listComments({
        owner: input.owner,
        repo: input.repo,
        issue_number: input.issueNumber,
        per_page: 100,
        page,
        request
      })
    );
    for (const raw of response.data) comments.push({ id: raw.id, url: raw.html_url, body: raw.body ?? "" });
    const link = (response.headers as Record<string, unknown>).link;
    if (typeof link !== "string" || !/rel="next"/.test(link)) break;
  }
  return comments;
}

function toListedIssue(raw: RawIssue): ListedIssue {
  return {
    id: raw.id,
    nodeId: typeof raw.node_id === "string" ? raw.node_id : null,
    number: raw.number,
    title: raw.title,
    body: raw.body ?? null,
    state: raw.state === "closed" ? "closed" : "open",
    labels: (raw.labels ?? [])
      .map((label) => (typeof label === "string" ? label : (label.name ?? "")))
      .filter((name) => name !== ""),
    url: raw.html_url,
    updatedAt: raw.updated_at ?? null
  };
}
