import { forgeCall } from "./forge-call.js";
import {
  listIssueComments,
  listIssues,
  type IssueCommentView,
  type ListIssuesInput,
  type ListIssuesResult
} from "./issues.js";
import { commentOnIssue, type IssueCommentInput, type IssueCommentResult } from "./issue-comments.js";
import { orSilent, type ForgeLogger } from "./logger.js";
import { createOctokit } from "./octokit-client.js";
import { openOrUpdatePullRequest, type PullRequestInput, type PullRequestResult } from "./pull-requests.js";

export const DEFAULT_GITHUB_API_URL = "https://api.github.com";

export interface GitHubForgeOptions {
  /** A fine-grained token with "Pull requests: read and write" (and "Issues" for comments). */
  token: string;
  /** Default `https://api.github.com`; GitHub Enterprise Server is `https://HOST/api/v3`. */
  apiUrl?: string;
  /** pino or anything with `debug/info/warn/error(fields, message)`; silent when omitted. */
  logger?: ForgeLogger;
  /** Default `baa-conductor`; octokit appends its own. */
  userAgent?: string;
  /** Retries of a 5xx or a request that got no answer; default 2, at most 5. */
  retries?: number;
  throttle?: {
    /** Retries after a primary or secondary rate limit; default 2, at most 2. */
    retries?: number;
    /** Fail at once when GitHub asks for a longer wait than this; default 60 s. */
    maxWaitSeconds?: number;
  };
  /**
   * Milliseconds per second of every wait: GitHub's Retry-After, the rate-limit reset, the retry
   * backoff (1, 4, 9… units) and write spacing (1 unit, 3 for writes that notify people).
   * Default 1000; tests pass a few ms so nothing waits on seconds.
   */
  delayUnitMs?: number;
  /** Bound on one call, its retries and waits included; default 60 s. */
  timeoutMs?: number;
}

/** The operations the conductor needs from GitHub; every failure is a ForgeError. */
export interface GitHubForge {
  readonly apiUrl: string;
  openOrUpdatePullRequest(input: PullRequestInput): Promise<PullRequestResult>;
  commentOnIssue(input: IssueCommentInput): Promise<IssueCommentResult>;
  /** A repository's issues (pull requests left out), conditional on the last ETag. */
  listIssues(input: ListIssuesInput): Promise<ListIssuesResult>;
  /** An issue's comments, oldest first. */
  listIssueComments(input: { owner: string; repo: string; issueNumber: number }): Promise<IssueCommentView[]>;
}

export function createGitHubForge(options: GitHubForgeOptions): GitHubForge {
  if (typeof options.token !== "string" || options.token.trim() === "") {
    throw new TypeError("createGitHubForge: token must be a non-empty string");
  }
  const apiUrl = (options.apiUrl ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, "");
  if (!/^https?:\/\//.test(apiUrl))
    throw new TypeError(`createGitHubForge: apiUrl must be an http(s) URL, got ${apiUrl}`);
  const logger = orSilent(options.logger);
  const octokit = createOctokit({
    token: options.token,
    apiUrl,
    userAgent: options.userAgent ?? "baa-conductor",
    logger,
    retries: clamp(options.retries ?? 2, 0, 5),
    rateLimitRetries: clamp(options.throttle?.retries ?? 2, 0, 2),
    maxRateLimitWaitSeconds: Math.max(0, options.throttle?.maxWaitSeconds ?? 60),
    delayUnitMs: Math.max(0, options.delayUnitMs ?? 1000)
  });
  const call = forgeCall({ token: options.token, timeoutMs: options.timeoutMs ?? 60_000, logger });
  return {
    apiUrl,
    openOrUpdatePullRequest: (input) => openOrUpdatePullRequest(octokit, call, input),
    commentOnIssue: (input) => commentOnIssue(octokit, call, input),
    listIssues: (input) => listIssues(octokit, call, input),
    listIssueComments: (input) => listIssueComments(octokit, call, input)
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(value)));
}
