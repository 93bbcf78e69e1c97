export {
  createGitHubForge,
  DEFAULT_GITHUB_API_URL,
  type GitHubForge,
  type GitHubForgeOptions
} from "./forge.js";
export { ForgeError } from "./forge-error.js";
export type { ForgeLogger } from "./logger.js";
export type { PullRequestInput, PullRequestResult } from "./pull-requests.js";
export type { IssueCommentInput, IssueCommentResult } from "./issue-comments.js";
export type {
  IssueCommentView,
  ListedIssue,
  ListIssuesInput,
  ListIssuesResult,
  RateLimitView
} from "./issues.js";
