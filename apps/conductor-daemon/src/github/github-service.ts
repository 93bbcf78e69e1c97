import type { ControlStore } from "@baa/control-store";
import { createGitHubForge, type GitHubForge } from "@baa/github-forge";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { ConductorConfig } from "../config.js";
import type { ClockTimers } from "@baa/clock";
import type { DiffSummary } from "./comment-bodies.js";
import type { GitHubRepoConfig } from "./github-config.js";
import { WebhookCounters, type GitHubStatus } from "./github-status.js";
import type { CommentKind } from "./comment-bodies.js";
import { IssueComments } from "./issue-comments.js";
import { IssueIntake, type IntakeOutcome, type IntakeStore } from "./issue-intake.js";
import { IssuePoller, type PollOutcome } from "./issue-poller.js";
import { registerGitHubWebhook, type DeliveryOutcome } from "./webhook-route.js";
import { WebhookSignature } from "./webhook-signature.js";

/** The loop's longest sleep: it also notices a lease won or lost within this. */
const MAX_TICK_MS = 1_000;

/** What the intake and the comments tell as they go (the metrics; see metrics/github-metrics.ts). */
export interface GitHubCounts {
  delivery(outcome: DeliveryOutcome): void;
  intake(outcome: IntakeOutcome["kind"], via: "poll" | "webhook"): void;
  poll(outcome: PollOutcome): void;
  comment(kind: CommentKind, outcome: "posted" | "failed"): void;
}

export interface GitHubServiceDeps {
  config: Pick<
    ConductorConfig,
    "githubRepos" | "githubToken" | "githubApiUrl" | "githubPollMs" | "githubWebhookSecret"
  >;
  store: IntakeStore &
    Pick<
      ControlStore,
      "claimDelivery" | "forgetDelivery" | "listTasksAwaitingComment" | "beginComment" | "finishComment"
    >;
  scheduler: { wake(): void; cancel(taskId: string, reason: string): boolean };
  /** The task's diff (TaskReview.diff), for the review comment. */
  diff: (taskId: string) => Promise<DiffSummary>;
  /** True while this node holds the leader lease: only then does it poll and comment. */
  isLeader: () => boolean;
  timers: ClockTimers;
  logger: Logger;
  counts?: GitHubCounts;
  /** Replaces the forge made from the token (tests). */
  forge?: GitHubForge;
}

/**
 * GitHub issues as a source of tasks, and the comments they get back. The webhook route works
 * on every node; polling and commenting run on the leader alone (control-plane.md: work that
 * must happen once), in one loop that sleeps until the next repository is due.
 */
export class GitHubService {
  readonly #d: GitHubServiceDeps;
  readonly #log: Logger;
  readonly #repos: readonly GitHubRepoConfig[];
  readonly #intake: IssueIntake;
  readonly #poller: IssuePoller | null;
  readonly #comments: IssueComments | null;
  readonly #signature: WebhookSignature | null;
  readonly #counters = new WebhookCounters();
  #timer: unknown;
  #running = false;
  #pass: Promise<void> | undefined;
  #nextComments = 0;

  constructor(deps: GitHubServiceDeps) {
    this.#d = deps;
    this.#log = deps.logger.child({ component: "github" });
    const { config } = deps;
    this.#repos = config.githubRepos;
    const counts = deps.counts;
    this.#intake = new IssueIntake({
      store: deps.store,
      scheduler: deps.scheduler,
      ...(counts === undefined ? {} : { onOutcome: counts.intake }),
      logger: this.#log
    });
    this.#signature =
      config.githubWebhookSecret === undefined ? null : new WebhookSignature(config.githubWebhookSecret);
    const forge =
      deps.forge ??
      (config.githubToken === undefined
        ? null
        : // Rate limits are not waited out inside a call: the intake waits between calls and says so.
          createGitHubForge({
            token: config.githubToken,
            apiUrl: config.githubApiUrl,
            logger: this.#log,
            throttle: { retries: 0 }
          }));
    const wallNow = () => deps.timers.wallNow();
    this.#poller =
      forge === null || config.githubPollMs === 0 || this.#repos.length === 0
        ? null
        : new IssuePoller({
            repos: this.#repos,
            forge,
            intake: this.#intake,
            store: deps.store,
            pollMs: config.githubPollMs,
            wallNow,
            ...(counts === undefined ? {} : { onPoll: counts.poll }),
            logger: this.#log
          });
    this.#comments =
      forge === null
        ? null
        : new IssueComments({
            store: deps.store,
            forge,
            diff: (taskId) =>
              deps.diff(taskId).catch((error: unknown) => {
                this.#log.warn({ err: error, taskId }, "github review comment: the diff could not be read");
                return null;
              }),
            wallNow,
            retryBaseMs: Math.max(1_000, Math.min(this.#commentEveryMs() * 4, 60_000)),
            ...(counts === undefined ? {} : { onComment: counts.comment }),
            logger: this.#log
          });
  }

  /** Serves `POST /v1/hooks/github` in `scope`. */
  registerRoutes(scope: FastifyInstance): void {
    registerGitHubWebhook(scope, {
      signature: this.#signature,
      repos: this.#repos,
      intake: this.#intake,
      store: this.#d.store,
      counters: this.#counters,
      ...(this.#d.counts === undefined ? {} : { onDelivery: this.#d.counts.delivery }),
      logger: this.#log
    });
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    if (this.#repos.length > 0 && this.#signature === null && this.#poller === null) {
      this.#log.warn(
        "github repositories are configured but neither polling nor a webhook secret is: no issue becomes a task"
      );
    }
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#d.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#pass;
  }

  status(): GitHubStatus {
    return {
      repos: this.#repos.length,
      leader: this.#d.isLeader(),
      pollMs: this.#poller === null ? 0 : this.#d.config.githubPollMs,
      polling: this.#poller?.status() ?? [],
      webhook: { secretConfigured: this.#signature !== null, ...this.#counters },
      comments: {
        posted: this.#comments?.posted ?? 0,
        failed: this.#comments?.failed ?? 0,
        waiting: this.#comments?.waiting ?? null
      }
    };
  }

  /** One pass of the leader's duties now (tests; the loop calls it too). */
  async runOnce(): Promise<void> {
    if (!this.#d.isLeader()) return;
    await this.#poller?.pollDue();
    const now = this.#d.timers.wallNow();
    if (this.#comments !== null && now >= this.#nextComments) {
      this.#nextComments = now + this.#commentEveryMs();
      await this.#comments.pass();
    }
  }

  #commentEveryMs(): number {
    const poll = this.#d.config.githubPollMs;
    return poll === 0 ? 5_000 : Math.min(poll, 5_000);
  }

  #schedule(ms: number): void {
    if (!this.#running) return;
    this.#timer = this.#d.timers.setTimeout(() => {
      this.#timer = undefined;
      this.#pass = this.runOnce()
        .catch((error: unknown) => this.#log.warn({ err: error }, "github pass failed; trying again"))
        .finally(() => {
          const due = Math.min(
            this.#poller?.msUntilDue() ?? MAX_TICK_MS,
            Math.max(0, this.#nextComments - this.#d.timers.wallNow())
          );
          this.#schedule(Math.max(20, Math.min(MAX_TICK_MS, due)));
        });
    }, ms);
  }
}
