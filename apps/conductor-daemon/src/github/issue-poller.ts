import type { ControlStore } from "@baa/control-store";
import { ForgeError, type GitHubForge, type ListedIssue } from "@baa/github-forge";
import type { Logger } from "pino";
import type { GitHubRepoConfig } from "./github-config.js";
import type { GitHubWait, RepoIntakeStatus } from "./github-status.js";
import type { IssueIntake } from "./issue-intake.js";
import { issueKeyPrefix } from "./issue-task.js";
import { waitAfterFailure } from "./github-waits.js";

/**
 * After this many polls answered from the ETag (304), the next one asks without it: the ETag
 * covers the first page only, so an issue leaving a long list's later pages shows up then.
 */
const FULL_LIST_EVERY = 10;

interface RepoState {
  config: GitHubRepoConfig;
  etag: string | null;
  sinceFull: number;
  /** Wall-clock ms of the next poll. */
  nextAt: number;
  failures: number;
  status: RepoIntakeStatus;
}

/**
 * How one poll of a repository ended: its list applied (`changed`), answered from the ETag
 * (`not_modified`), GitHub's wait (`rate_limited`, `unavailable`, `refused`), or the list could
 * not be applied (`error`: the store, most likely).
 */
export type PollOutcome = "changed" | "not_modified" | GitHubWait["reason"] | "error";

export interface IssuePollerDeps {
  repos: readonly GitHubRepoConfig[];
  forge: Pick<GitHubForge, "listIssues">;
  intake: IssueIntake;
  store: Pick<ControlStore, "listOpenExternalTasks">;
  pollMs: number;
  wallNow: () => number;
  /** Told how each poll ended (the metrics). */
  onPoll?: (outcome: PollOutcome) => void;
  logger: Logger;
}

/**
 * The polling intake (run by the leader): each repository's open issues with its label, asked
 * conditionally (a 304 costs nothing), walked into the intake, and every open issue task the
 * list no longer holds withdrawn. A rate limit or an unreachable GitHub makes that repository
 * wait (the time GitHub names, or a growing backoff) and says so in its status; the ETag is only
 * kept once an answer was fully applied, so nothing it held is skipped.
 */
export class IssuePoller {
  readonly #d: IssuePollerDeps;
  readonly #repos: RepoState[];

  constructor(deps: IssuePollerDeps) {
    this.#d = deps;
    this.#repos = deps.repos.map((config) => ({
      config,
      etag: null,
      sinceFull: 0,
      nextAt: 0,
      failures: 0,
      status: {
        repo: config.repo,
        label: config.label,
        lastPolledAt: null,
        lastChangedAt: null,
        issues: null,
        waiting: null
      }
    }));
  }

  /** Polls every repository that is due; resolves when they are done. */
  async pollDue(): Promise<void> {
    for (const state of this.#repos) {
      if (this.#d.wallNow() >= state.nextAt) await this.#poll(state);
    }
  }

  /** Wall-clock ms until the next repository is due (0: now). */
  msUntilDue(): number {
    const next = Math.min(...this.#repos.map((state) => state.nextAt));
    return Math.max(0, next - this.#d.wallNow());
  }

  status(): RepoIntakeStatus[] {
    return this.#repos.map((state) => ({ ...state.status }));
  }

  async #poll(state: RepoState): Promise<void> {
    const { config } = state;
    const [owner = "", repo = ""] = config.repo.split("/");
    const startedAt = this.#d.wallNow();
    const full = state.etag === null || state.sinceFull >= FULL_LIST_EVERY;
    try {
      const response = await this.#d.forge.listIssues({
        owner,
        repo,
        labels: [config.label],
        state: "open",
        etag: full ? null : state.etag
      });
      state.status.lastPolledAt = new Date(this.#d.wallNow()).toISOString();
      if (response.notModified) {
        this.#d.onPoll?.("not_modified");
        state.sinceFull += 1;
      } else {
        await this.#apply(state, response.issues, response.complete, startedAt);
        state.etag = response.etag;
        state.sinceFull = 0;
        state.status.lastChangedAt = state.status.lastPolledAt;
        state.status.issues = response.issues.length;
        this.#d.onPoll?.("changed");
      }
      state.failures = 0;
      state.status.waiting = null;
      state.nextAt = startedAt + this.#d.pollMs;
      const reset =
        response.rateLimit.remaining === 0 && response.rateLimit.resetAt !== null
          ? Date.parse(response.rateLimit.resetAt)
          : null;
      if (reset !== null && reset > state.nextAt) {
        this.#wait(state, {
          reason: "rate_limited",
          until: new Date(reset).toISOString(),
          message: "GitHub's rate limit is used up until it resets"
        });
      }
    } catch (error) {
      state.failures += 1;
      if (!(error instanceof ForgeError)) {
        this.#d.onPoll?.("error");
        // The store, most likely: the ETag was not moved, so the next poll applies the list again.
        this.#d.logger.warn(
          { err: error, repo: config.repo },
          "github intake could not apply the issue list; trying again"
        );
        // Shown in the status until a poll applies a list (the wait of an earlier poll would mislead).
        state.status.waiting = {
          reason: "not_applied",
          until: new Date(startedAt + Math.max(1_000, this.#d.pollMs)).toISOString(),
          message: "GitHub answered, but the issue list could not be applied (see the log); trying again"
        };
        state.nextAt = startedAt + Math.max(1_000, this.#d.pollMs);
        return;
      }
      const wait = waitAfterFailure(error, {
        now: this.#d.wallNow(),
        failures: state.failures,
        baseMs: Math.max(1_000, this.#d.pollMs)
      });
      this.#d.onPoll?.(wait.reason);
      this.#wait(state, wait);
    }
  }

  async #apply(
    state: RepoState,
    issues: readonly ListedIssue[],
    complete: boolean,
    startedAt: number
  ): Promise<void> {
    const { config } = state;
    for (const issue of issues) await this.#d.intake.observe(config, issue, "poll", startedAt);
    // Only a whole list says what is absent; a cut one (more pages than walked) withdraws nothing.
    if (!complete) return;
    const present = new Set(issues.map((issue) => issue.number));
    for (const task of await this.#d.store.listOpenExternalTasks(issueKeyPrefix(config.repo))) {
      const number = task.source?.number;
      if (number === undefined || present.has(number)) continue;
      await this.#d.intake.withdraw(config, number, "gone", "poll", startedAt);
    }
  }

  #wait(state: RepoState, wait: GitHubWait): void {
    state.status.waiting = wait;
    state.nextAt = Date.parse(wait.until);
    this.#d.logger.warn(
      { repo: state.config.repo, reason: wait.reason, until: wait.until, message: wait.message },
      "github intake waits"
    );
  }
}
