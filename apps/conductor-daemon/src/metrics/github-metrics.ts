import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { GitHubCounts } from "../github/github-service.js";
import type { IntakeOutcome } from "../github/issue-intake.js";
import { guarded, registerCounters, type CounterSpec } from "./metric-tables.js";

const PREFIX = "conductor_";

/** What the intake did to an issue's task, by the outcome it reported (the rest changed nothing). */
const ISSUE_ACTIONS: Partial<Record<IntakeOutcome["kind"], string>> = {
  created: "created",
  reopened: "reopened",
  updated: "updated",
  cancelled: "cancelled",
  cancel_requested: "cancelled"
};

const TABLE = {
  github_webhook_deliveries_total: {
    help: "GitHub webhook deliveries this node answered, by outcome: accepted, duplicate, ignored, ping, refused (signature), invalid, error (the intake failed).",
    labels: { outcome: ["accepted", "duplicate", "ignored", "ping", "refused", "invalid", "error"] }
  },
  github_issue_tasks_total: {
    help: "Issue tasks the GitHub intake created, reopened, updated or cancelled, by source (webhook, poll).",
    labels: { source: ["webhook", "poll"], action: ["created", "reopened", "updated", "cancelled"] }
  },
  github_polls_total: {
    help: "Polls of a repository's issues by this node, by outcome: changed, not_modified, rate_limited, unavailable, refused, error.",
    labels: {
      outcome: ["changed", "not_modified", "rate_limited", "unavailable", "refused", "error"]
    }
  },
  github_comments_total: {
    help: "Issue comments about tasks (kind: review, landed, failed) this node posted or failed to post.",
    labels: { kind: ["review", "landed", "failed"], outcome: ["posted", "failed"] }
  }
} satisfies Record<string, CounterSpec>;

/** The GitHub intake's counters on the node's registry; what the GitHub service is told goes here. */
export function registerGitHubMetrics(registry: Registry, logger?: Pick<Logger, "warn">): GitHubCounts {
  const counters = registerCounters(registry, PREFIX, TABLE);
  return guarded(
    {
      delivery: (outcome) => counters.github_webhook_deliveries_total.inc({ outcome }),
      intake: (outcome, via) => {
        const action = ISSUE_ACTIONS[outcome];
        if (action !== undefined) counters.github_issue_tasks_total.inc({ source: via, action });
      },
      poll: (outcome) => counters.github_polls_total.inc({ outcome }),
      comment: (kind, outcome) => counters.github_comments_total.inc({ kind, outcome })
    } satisfies GitHubCounts,
    logger,
    "github"
  );
}
