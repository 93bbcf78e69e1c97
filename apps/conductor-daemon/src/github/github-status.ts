/** Why the intake or the comments wait before their next call to GitHub. */
export interface GitHubWait {
  /** `not_applied`: GitHub answered, but the list could not be applied here (the store). */
  reason: "rate_limited" | "unavailable" | "refused" | "not_applied";
  /** ISO time of the next try. */
  until: string;
  message: string;
}

/** One repository's polling, as `GET /v1/system/state` shows it under `github.repos`. */
export interface RepoIntakeStatus {
  repo: string;
  label: string;
  /** When the last list call was answered (a 304 included). */
  lastPolledAt: string | null;
  /** When the last answer that changed something (not a 304) came. */
  lastChangedAt: string | null;
  /** Open labelled issues in that answer. */
  issues: number | null;
  waiting: GitHubWait | null;
}

/** The `github` block of `GET /v1/system/state`. */
export interface GitHubStatus {
  repos: number;
  /** True on the node that holds the leader lease: only it polls and comments. */
  leader: boolean;
  /** 0: no polling (webhooks only). */
  pollMs: number;
  polling: RepoIntakeStatus[];
  webhook: {
    secretConfigured: boolean;
    accepted: number;
    duplicates: number;
    ignored: number;
    refused: number;
  };
  comments: { posted: number; failed: number; waiting: GitHubWait | null };
}

/** Counters of the webhook route, kept by the route and read by the status. */
export class WebhookCounters {
  accepted = 0;
  duplicates = 0;
  ignored = 0;
  refused = 0;
}
