import type { GitRunner } from "./git-runner.js";
import { QUIET_CONFIG } from "./quiet-config.js";

/** A checkout whose branch moved while its index and files stayed behind. */
export interface CheckoutNotMoved {
  worktree: string;
  /** Where its index and files still are, and where its branch now is. */
  from: string;
  to: string;
  /** git's words. */
  reason: string;
  /** Run in a shell once what blocked it is moved aside. */
  recovery: string;
}

/**
 * Brings a clean checkout's index and files from `from` to `to` after its branch moved there.
 * Two-tree `read-tree -m -u` refuses rather than overwrite a local change; on refusal the
 * checkout shows the land reversed as staged changes until `recovery` is run.
 */
export async function moveCheckout(
  git: GitRunner,
  worktree: string,
  from: string,
  to: string
): Promise<CheckoutNotMoved | null> {
  try {
    await git({ cwd: worktree, args: [...QUIET_CONFIG, "read-tree", "-m", "-u", from, to] });
    return null;
  } catch (error) {
    return {
      worktree,
      from,
      to,
      reason: (error as Error).message,
      recovery: `git -C ${JSON.stringify(worktree)} read-tree -m -u ${from} ${to}`
    };
  }
}
