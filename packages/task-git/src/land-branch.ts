import { parseAuthor } from "./author.js";
import {
  assertMoveWouldSucceed,
  assertNotBeingRebased,
  assertNothingInTheWay,
  assertTrackedClean
} from "./checkout-guard.js";
import { TaskGitError } from "./errors.js";
import { defaultGitRunner, type GitRunner } from "./git-runner.js";
import { replayInWorktree, type LandMethod } from "./land-replay.js";
import { moveRef } from "./move-ref.js";
import { moveCheckout, type CheckoutNotMoved } from "./move-checkout.js";
import { branchCommit, isAncestor, mergeBase } from "./refs.js";
import { withTempWorktree } from "./temp-worktree.js";
import { checkoutsOf } from "./worktree-list.js";

export interface LandBranchOptions {
  repo: string;
  /** What lands (e.g. `baa/task-1`); never rewritten. */
  branch: string;
  /** A local branch; moved forward in one compare-and-swap step. */
  target: string;
  method: LandMethod;
  /** The merge or squash commit's message (unused by rebase). */
  message: string;
  /** `Name <email>`: author and committer of what the land creates. */
  author: string;
  /** The temporary worktree is made (and removed) here. */
  worktreesDir: string;
  /**
   * Runs in the temporary worktree once the merge or rebase is made (HEAD is the result) and
   * before the target moves; a throw aborts the land with that error: nothing moves, the
   * worktree is removed. `targetTip` is the commit the result was built on. Not called when
   * there is nothing to land.
   */
  verify?: (worktreePath: string, context: { targetTip: string; result: string }) => Promise<void>;
  git?: GitRunner;
}

export interface LandResult {
  /** The target's tip after the land (unchanged when there was nothing to land). */
  commit: string;
  method: LandMethod;
  target: string;
  /** The clean checkout of the target that was moved along, if any. */
  movedCheckout: string | null;
  /**
   * The target moved but a checkout of it could not follow (it changed in the instant between
   * the last check and the move): what is left and the command that finishes the job.
   */
  checkoutNotMoved: CheckoutNotMoved | null;
}

const METHODS: readonly LandMethod[] = ["merge", "squash", "rebase"];

/**
 * Lands `branch` on `target` without touching a working tree a person uses while it runs:
 * refusals (unknown_target, unknown_ref, no_merge_base, target_worktree_dirty, land_conflict,
 * target_moved) leave refs, index and files as they were.
 */
export async function landBranch(options: LandBranchOptions): Promise<LandResult> {
  const git = options.git ?? defaultGitRunner;
  const { repo, target, branch, method } = options;
  if (!METHODS.includes(method)) throw new TypeError(`method must be one of ${METHODS.join(", ")}`);
  const identity = parseAuthor(options.author);
  if (method !== "rebase" && options.message.trim() === "") throw new TypeError("message must not be empty");

  const targetTip = await branchCommit(repo, target, git);
  if (targetTip === null) throw new TaskGitError("unknown_target", `no local branch ${target}`);
  const branchTip = await branchCommit(repo, branch, git);
  if (branchTip === null) throw new TaskGitError("unknown_ref", `no branch ${branch}`);
  const unchanged: LandResult = {
    commit: targetTip,
    method,
    target,
    movedCheckout: null,
    checkoutNotMoved: null
  };
  if (await isAncestor(repo, branchTip, targetTip, git)) return unchanged;
  if ((await mergeBase(repo, targetTip, branchTip, git)) === null)
    throw new TaskGitError("no_merge_base", `${branch} and ${target} share no history`);

  // Cheap refusal first: a dirty checkout of the target is known before any merge work.
  for (const checkout of await checkoutsOf(repo, target, git)) await assertTrackedClean(checkout, git);
  await assertNotBeingRebased(repo, target, git);

  const start = method === "rebase" ? branchTip : targetTip;
  const landed = await withTempWorktree(git, repo, options.worktreesDir, start, async (worktree) => {
    const result = await replayInWorktree({
      git,
      worktree,
      method,
      targetTip,
      branchTip,
      branch,
      message: options.message,
      identity
    });
    if (result !== targetTip && options.verify !== undefined)
      await options.verify(worktree, { targetTip, result });
    return result;
  });
  if (landed === targetTip) return unchanged;
  if (!(await isAncestor(repo, targetTip, landed, git)))
    throw new Error(`internal: the ${method} result ${landed} does not descend from ${target} ${targetTip}`);

  // Checked again just before the ref moves, so the checkout move after it cannot meet a surprise.
  const checkouts = await checkoutsOf(repo, target, git);
  for (const checkout of checkouts) {
    await assertTrackedClean(checkout, git);
    await assertNothingInTheWay(checkout, targetTip, landed, git);
    await assertMoveWouldSucceed(checkout, targetTip, landed, git);
  }
  await assertNotBeingRebased(repo, target, git);

  await moveRef(git, repo, target, landed, targetTip, `baa: land ${branch} by ${method}`);

  let movedCheckout: string | null = null;
  let checkoutNotMoved: CheckoutNotMoved | null = null;
  for (const checkout of checkouts) {
    const problem = await moveCheckout(git, checkout, targetTip, landed);
    if (problem === null) movedCheckout ??= checkout;
    else checkoutNotMoved ??= problem;
  }
  return { commit: landed, method, target, movedCheckout, checkoutNotMoved };
}
