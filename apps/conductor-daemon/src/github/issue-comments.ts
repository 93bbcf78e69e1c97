import type { ControlStore, TaskRecord, TaskState } from "@baa/control-store";
import { ForgeError, type GitHubForge } from "@baa/github-forge";
import type { Logger } from "pino";
import { commentBody, commentMarker, type CommentKind, type DiffSummary } from "./comment-bodies.js";
import type { GitHubWait } from "./github-status.js";
import { waitAfterFailure } from "./github-waits.js";

/** Which task states each comment is posted for. */
const KINDS: ReadonlyArray<{ kind: CommentKind; states: readonly TaskState[] }> = [
  { kind: "review", states: ["in_review"] },
  { kind: "landed", states: ["landed"] },
  { kind: "failed", states: ["failed", "timed_out"] }
];

/** At most this many comments of each kind per pass; the rest wait for the next one. */
const PER_PASS = 20;

export interface IssueCommentsDeps {
  store: Pick<ControlStore, "listTasksAwaitingComment" | "beginComment" | "finishComment">;
  forge: Pick<GitHubForge, "commentOnIssue" | "listIssueComments">;
  /** The task's diff summary for the review comment (null when it cannot be read here). */
  diff: (taskId: string) => Promise<DiffSummary | null>;
  wallNow: () => number;
  /** The first wait after a failed post of one comment; it doubles per failure. */
  retryBaseMs: number;
  /** Told of each comment posted and each failed try (the metrics). */
  onComment?: (kind: CommentKind, outcome: "posted" | "failed") => void;
  logger: Logger;
}

/**
 * The comments an issue gets about its task (run by the leader alone): one when the task is
 * first seen waiting for review, one when it landed, one when it failed. The ledger in the store
 * makes each one at most once in the normal case and never silently twice: the intent is written
 * (`sending`) before the call and the comment's id after (`sent`). A crash or a failed call in
 * between leaves `sending`; the next pass then reads the issue's comments for the hidden marker
 * each comment carries and records the one it finds instead of posting again. (Posting only
 * after recording, or never retrying a `sending` one, would lose comments instead.)
 */
export class IssueComments {
  readonly #d: IssueCommentsDeps;
  /** Per task and kind: the wall-clock ms before which a failed post is not tried again, and how often it failed. */
  readonly #retry = new Map<string, { at: number; failures: number }>();
  #waiting: GitHubWait | null = null;
  posted = 0;
  failed = 0;

  constructor(deps: IssueCommentsDeps) {
    this.#d = deps;
  }

  get waiting(): GitHubWait | null {
    return this.#waiting;
  }

  /** Posts what is due; a rate limit or an unreachable GitHub stops the pass until its time. */
  async pass(): Promise<void> {
    const now = this.#d.wallNow();
    if (this.#waiting !== null && now < Date.parse(this.#waiting.until)) return;
    this.#waiting = null;
    for (const { kind, states } of KINDS) {
      const tasks = await this.#d.store.listTasksAwaitingComment({ kind, states, limit: PER_PASS });
      for (const task of tasks) {
        const key = `${task.taskId}:${kind}`;
        const retry = this.#retry.get(key);
        if (retry !== undefined && now < retry.at) continue;
        if (!(await this.#post(task, kind, key))) return;
      }
    }
  }

  /** False when GitHub as a whole should be left alone for a while (the pass stops). */
  async #post(task: TaskRecord, kind: CommentKind, key: string): Promise<boolean> {
    const source = task.source;
    if (source === null) return true;
    const [owner = "", repo = ""] = source.repo.split("/");
    const target = { owner, repo, issueNumber: source.number };
    const marker = commentMarker(task.taskId, kind);
    try {
      const begun = await this.#d.store.beginComment(task.taskId, kind);
      if (begun.outcome === "sent") return true;
      if (begun.outcome === "pending") {
        const earlier = (await this.#d.forge.listIssueComments(target)).find((comment) =>
          comment.body.includes(marker)
        );
        if (earlier !== undefined) {
          await this.#d.store.finishComment(task.taskId, kind, { commentId: earlier.id, url: earlier.url });
          this.#d.logger.info(
            { taskId: task.taskId, kind, commentId: earlier.id },
            "github comment found posted by an earlier attempt"
          );
          return true;
        }
      }
      const diff = kind === "review" ? await this.#d.diff(task.taskId) : null;
      const posted = await this.#d.forge.commentOnIssue({ ...target, body: commentBody(task, kind, diff) });
      await this.#d.store.finishComment(task.taskId, kind, { commentId: posted.id, url: posted.url });
      this.posted += 1;
      this.#d.onComment?.(kind, "posted");
      this.#retry.delete(key);
      this.#d.logger.info(
        { taskId: task.taskId, kind, issue: `${source.repo}#${source.number}`, commentId: posted.id },
        "github comment posted"
      );
      return true;
    } catch (error) {
      return this.#failed(task, kind, key, error);
    }
  }

  #failed(task: TaskRecord, kind: CommentKind, key: string, error: unknown): boolean {
    this.failed += 1;
    this.#d.onComment?.(kind, "failed");
    const now = this.#d.wallNow();
    const failures = (this.#retry.get(key)?.failures ?? 0) + 1;
    if (error instanceof ForgeError) {
      const wait = waitAfterFailure(error, { now, failures, baseMs: this.#d.retryBaseMs });
      this.#retry.set(key, { at: Date.parse(wait.until), failures });
      this.#d.logger.warn(
        {
          taskId: task.taskId,
          kind,
          status: error.status,
          reason: wait.reason,
          until: wait.until,
          message: error.message
        },
        "github comment not posted"
      );
      if (wait.reason === "refused") return true;
      this.#waiting = wait;
      return false;
    }
    // The store: the ledger says `sending` or nothing, so the next pass finds out and goes on.
    this.#retry.set(key, { at: now + this.#d.retryBaseMs, failures });
    this.#d.logger.warn(
      { err: error, taskId: task.taskId, kind },
      "github comment: the ledger could not be written; trying again"
    );
    return false;
  }
}
