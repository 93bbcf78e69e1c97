import type { ControlStore, TaskRecord } from "@baa/control-store";
import type { Logger } from "pino";
import type { GitHubRepoConfig } from "./github-config.js";
import { issueKey, issuePrompt, issueTask, issueTitle, wantsTask, type IssueFacts } from "./issue-task.js";

/** A cancel the intake made starts with this; such a task comes back when its issue does. */
export const INTAKE_CANCEL_PREFIX = "github: ";

export type IntakeStore = Pick<
  ControlStore,
  | "createTask"
  | "findTaskByExternalKey"
  | "updateWaitingTask"
  | "requestCancel"
  | "retryTask"
  | "listOpenExternalTasks"
>;

export interface IssueIntakeDeps {
  store: IntakeStore;
  /** The local claim loop: woken when a task arrives, told of a cancel of a run it executes. */
  scheduler: { wake(): void; cancel(taskId: string, reason: string): boolean };
  /** Told what each observation did (the metrics). */
  onOutcome?: (outcome: IntakeOutcome["kind"], via: "poll" | "webhook") => void;
  logger: Logger;
}

/** What one observation of an issue did to its task. */
export type IntakeOutcome =
  | { kind: "created" | "updated" | "unchanged" | "kept" | "reopened"; taskId: string }
  | { kind: "cancelled" | "cancel_requested" | "already_ended" | "busy"; taskId: string }
  | { kind: "no_task" };

/**
 * Both intakes (poll and webhook) end here, so they agree: an open issue with the label has
 * exactly one task (the store's unique external key decides a race); while that task waits its
 * title and prompt follow the issue; an issue closed or unlabelled cancels it through the same
 * path as `POST /v1/tasks/:id/cancel`.
 */
export class IssueIntake {
  readonly #d: IssueIntakeDeps;

  constructor(deps: IssueIntakeDeps) {
    this.#d = deps;
  }

  /** Applies what GitHub says the issue is now. `since`: skip writes to a task changed after this (ms), a stale list's guard. */
  async observe(
    config: GitHubRepoConfig,
    issue: IssueFacts,
    via: "poll" | "webhook",
    since?: number
  ): Promise<IntakeOutcome> {
    return this.#counted(await this.#observe(config, issue, via, since), via);
  }

  /** The issue no longer wants a task (closed, or its label removed): cancel the one it has. */
  async withdraw(
    config: GitHubRepoConfig,
    number: number,
    why: "closed" | "unlabelled" | "gone",
    via: "poll" | "webhook",
    since?: number
  ): Promise<IntakeOutcome> {
    return this.#counted(await this.#withdraw(config, number, why, via, since), via);
  }

  #counted(outcome: IntakeOutcome, via: "poll" | "webhook"): IntakeOutcome {
    this.#d.onOutcome?.(outcome.kind, via);
    return outcome;
  }

  async #observe(
    config: GitHubRepoConfig,
    issue: IssueFacts,
    via: "poll" | "webhook",
    since?: number
  ): Promise<IntakeOutcome> {
    if (!wantsTask(issue, config))
      return this.#withdraw(
        config,
        issue.number,
        issue.state === "closed" ? "closed" : "unlabelled",
        via,
        since
      );
    const existing = await this.#d.store.findTaskByExternalKey(issueKey(config.repo, issue.number));
    if (existing === undefined) return this.#create(config, issue, via);
    if (since !== undefined && Date.parse(existing.updatedAt) >= since)
      return { kind: "kept", taskId: existing.taskId };
    if (existing.state === "cancelled" && existing.stateReason?.startsWith(INTAKE_CANCEL_PREFIX) === true) {
      return this.#reopen(config, issue, existing, via);
    }
    const updated = await this.#d.store.updateWaitingTask(existing.taskId, {
      title: issueTitle(issue),
      prompt: issuePrompt(config.repo, issue)
    });
    if (updated?.kind === "updated") {
      this.#d.logger.info(
        { taskId: existing.taskId, repo: config.repo, issue: issue.number, via },
        "github issue edited: the waiting task follows"
      );
      return { kind: "updated", taskId: existing.taskId };
    }
    return { kind: updated?.kind === "unchanged" ? "unchanged" : "kept", taskId: existing.taskId };
  }

  async #withdraw(
    config: GitHubRepoConfig,
    number: number,
    why: "closed" | "unlabelled" | "gone",
    via: "poll" | "webhook",
    since?: number
  ): Promise<IntakeOutcome> {
    const task = await this.#d.store.findTaskByExternalKey(issueKey(config.repo, number));
    if (task === undefined) return { kind: "no_task" };
    if (since !== undefined && Date.parse(task.updatedAt) >= since)
      return { kind: "kept", taskId: task.taskId };
    const what = {
      closed: "was closed",
      unlabelled: `no longer has the label "${config.label}"`,
      gone: `is closed or no longer has the label "${config.label}"`
    }[why];
    const reason = `${INTAKE_CANCEL_PREFIX}issue ${config.repo}#${number} ${what}`;
    return this.#cancel(task, reason, via);
  }

  async #create(
    config: GitHubRepoConfig,
    issue: IssueFacts,
    via: "poll" | "webhook"
  ): Promise<IntakeOutcome> {
    const { task, externalKey } = issueTask(config, issue);
    const created = await this.#d.store.createTask(task, { externalKey });
    if (created.created) {
      this.#d.logger.info(
        { taskId: created.task.taskId, repo: config.repo, issue: issue.number, via },
        "github issue became a task"
      );
      this.#d.scheduler.wake();
      return { kind: "created", taskId: created.task.taskId };
    }
    return { kind: "kept", taskId: created.task.taskId };
  }

  async #reopen(
    config: GitHubRepoConfig,
    issue: IssueFacts,
    task: TaskRecord,
    via: "poll" | "webhook"
  ): Promise<IntakeOutcome> {
    const again = await this.#d.store.retryTask(task.taskId);
    if (again === null || again === undefined) return { kind: "kept", taskId: task.taskId };
    await this.#d.store.updateWaitingTask(task.taskId, {
      title: issueTitle(issue),
      prompt: issuePrompt(config.repo, issue)
    });
    this.#d.logger.info(
      { taskId: task.taskId, repo: config.repo, issue: issue.number, via },
      "github issue is back: its cancelled task is queued again"
    );
    this.#d.scheduler.wake();
    return { kind: "reopened", taskId: task.taskId };
  }

  async #cancel(task: TaskRecord, reason: string, via: "poll" | "webhook"): Promise<IntakeOutcome> {
    const result = await this.#d.store.requestCancel(task.taskId, reason);
    if (result === undefined) return { kind: "no_task" };
    // A run on this node stops now; one on another node sees the flag at its next progress check.
    if (result.outcome === "requested") this.#d.scheduler.cancel(task.taskId, reason);
    if (result.outcome === "cancelled" || result.outcome === "requested") {
      this.#d.logger.info(
        { taskId: task.taskId, outcome: result.outcome, via, reason },
        "github issue withdrawn: task cancelled"
      );
    }
    const kinds = {
      cancelled: "cancelled",
      requested: "cancel_requested",
      already_ended: "already_ended",
      busy: "busy"
    } as const;
    return { kind: kinds[result.outcome], taskId: task.taskId };
  }
}
