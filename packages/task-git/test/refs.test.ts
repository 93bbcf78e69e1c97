import assert from "node:assert/strict";
import { mkdirSync, realpathSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import {
  branchExists,
  changedPaths,
  currentBranch,
  isAncestor,
  listBranches,
  listRemotes,
  listWorktrees,
  repoTopLevel,
  revParse,
  snapshotDifferences,
  snapshotRepository
} from "../src/index.js";
import { addTaskWorktree, createGitFixture } from "./support/git-fixture.js";

test("small reads: branch, branches, remotes, top level, refs, ancestry, changed paths", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  const git = fx.git;
  const wt = await addTaskWorktree(fx, "task-1");
  const base = await fx.run(["rev-parse", "main"]);
  const head = await fx.commit("task", { "new.txt": "n\n", "README.md": "changed\n" }, wt);
  await fx.commit("main moves", { "main-only.txt": "m\n" });

  assert.equal(await currentBranch(fx.repo, git), "main");
  assert.equal(await currentBranch(wt, git), "baa/task-1");
  await fx.run(["switch", "-q", "--detach", "HEAD"]);
  assert.equal(await currentBranch(fx.repo, git), null);

  assert.deepEqual(await listBranches(fx.repo, git), ["baa/task-1", "main"]);
  assert.deepEqual(await listRemotes(fx.repo, git), ["origin"]);

  mkdirSync(join(fx.repo, "deep", "er"), { recursive: true });
  assert.equal(
    realpathSync((await repoTopLevel(join(fx.repo, "deep", "er"), git)) ?? ""),
    realpathSync(fx.repo)
  );
  assert.equal(await repoTopLevel(fx.root, git), null);
  assert.equal(await repoTopLevel(join(fx.root, "does-not-exist"), git), null);

  assert.equal(await branchExists(fx.repo, "baa/task-1", git), true);
  assert.equal(await branchExists(fx.repo, "nope", git), false);
  assert.equal(await branchExists(fx.repo, "--all", git), false);
  assert.equal(await revParse(fx.repo, "baa/task-1", git), head);
  assert.equal(await revParse(fx.repo, "nope", git), null);
  assert.equal(await isAncestor(fx.repo, base, head, git), true);
  assert.equal(await isAncestor(fx.repo, head, base, git), false);
  assert.deepEqual(await changedPaths({ repo: fx.repo, base: "main", head: "baa/task-1", git }), [
    "README.md",
    "new.txt"
  ]);

  const trees = await listWorktrees(fx.repo, git);
  assert.deepEqual(
    trees.map((tree) => [realpathSync(tree.path), tree.branch]),
    [
      [realpathSync(fx.repo), null],
      [realpathSync(wt), "baa/task-1"]
    ]
  );
});

test("snapshotRepository sees refs, index, staged, unstaged and untracked changes, and writes nothing", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  const git = fx.git;
  await addTaskWorktree(fx, "task-1");
  const first = await snapshotRepository(fx.repo, git);
  assert.deepEqual(await snapshotRepository(fx.repo, git), first);
  assert.equal(first.worktrees.length, 2);
  assert.match(first.refs, /refs\/heads\/baa\/task-1/);

  fx.write({ "README.md": "edited\n" });
  let next = await snapshotRepository(fx.repo, git);
  assert.deepEqual(snapshotDifferences(first, next), [
    `${first.worktrees[0]?.path}: status`,
    `${first.worktrees[0]?.path}: unstaged`
  ]);
  fx.write({ "README.md": "edited again\n" });
  assert.deepEqual(
    snapshotDifferences(next, await snapshotRepository(fx.repo, git)),
    [`${first.worktrees[0]?.path}: unstaged`],
    "content, not just state"
  );

  await fx.run(["add", "README.md"]);
  next = await snapshotRepository(fx.repo, git);
  fx.write({ "untracked.txt": "1\n" });
  const withUntracked = await snapshotRepository(fx.repo, git);
  fx.write({ "untracked.txt": "2\n" });
  assert.deepEqual(snapshotDifferences(withUntracked, await snapshotRepository(fx.repo, git)), [
    `${first.worktrees[0]?.path}: untracked`
  ]);
  await fx.run(["branch", "other"]);
  assert.ok(snapshotDifferences(next, await snapshotRepository(fx.repo, git)).includes("refs"));
});
