import type { RunWorkspace } from "@baa/control-store";
import { changedPaths, commitRun } from "@baa/task-git";
import type { RunBranch } from "../runs/run-branch.js";
import { comparisonBase } from "../workspaces/fresh-base.js";
import type { GitRunner } from "../workspaces/git-runner.js";
import type { WorkRemote } from "../workspaces/work-remote.js";

/** The run's commit on its task's branch, through git (`@baa/task-git`). */
export function gitRunBranch(options: {
  author: string;
  git: GitRunner;
  workRemote?: WorkRemote;
}): RunBranch {
  const { workRemote } = options;
  return {
    ...(workRemote === undefined
      ? {}
      : {
          publish: (workspace: RunWorkspace) => workRemote.push(workspace.path, workspace.branch as string)
        }),
    async commit(task, runId, workspace) {
      const { commit } = await commitRun({
        worktree: workspace.path,
        message: task.title,
        trailers: { "Baa-Task": task.taskId, "Baa-Run": runId },
        author: options.author
      });
      return commit;
    },
    commitPatch(workspace, commit) {
      return options.git(workspace.path, [
        "show",
        "--no-color",
        "--binary",
        "--format=commit %H%nAuthor: %an <%ae>%n%n%B",
        commit
      ]);
    },
    async hasChanges(workspace: RunWorkspace) {
      if (workspace.branch === null || workspace.baseCommit === null) return false;
      const base = workspace.baseBranch
        ? await comparisonBase(options.git, workspace.path, workspace.baseBranch).catch(
            () => workspace.baseBranch as string
          )
        : workspace.baseCommit;
      const paths = await changedPaths({ repo: workspace.path, base, head: workspace.branch }).catch(() =>
        // The base branch may be gone (deleted, renamed): the recorded base commit stands in.
        changedPaths({
          repo: workspace.path,
          base: workspace.baseCommit as string,
          head: workspace.branch as string
        })
      );
      return paths.length > 0;
    }
  };
}
