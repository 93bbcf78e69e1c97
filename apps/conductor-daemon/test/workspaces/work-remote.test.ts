import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { tempDir } from "@baa/test-support";
import { createSilentLogger } from "../../src/logger.js";
import { execGit } from "../../src/workspaces/git-runner.js";
import { WorkRemote } from "../../src/workspaces/work-remote.js";
import { Workspaces } from "../../src/workspaces/workspaces.js";

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
const BRANCH = "baa/task-1";

/** A bare remote with `main`, and two clones of it: two nodes' copies of one repository. */
function twoClones(dir: string) {
  const remote = join(dir, "remote.git");
  git(dir, "init", "-q", "--bare", "-b", "main", remote);
  const clone = (name: string) => {
    const path = join(dir, name);
    git(dir, "clone", "-q", remote, path);
    git(path, "config", "user.email", "t@example.com");
    git(path, "config", "user.name", "t");
    return path;
  };
  const a = clone("a");
  writeFileSync(join(a, "README.md"), "base\n");
  git(a, "add", "-A");
  git(a, "commit", "-q", "-m", "base");
  git(a, "push", "-q", "origin", "main");
  return { remote, a, b: clone("b") };
}

function commitOn(repo: string, branch: string, file: string, text: string): string {
  git(repo, "checkout", "-q", branch);
  writeFileSync(join(repo, file), text);
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", `${file}`);
  git(repo, "checkout", "-q", "main");
  return git(repo, "rev-parse", branch);
}

test("a pushed task branch is taken by a clone that lacks it, then fast-forwarded there after the next round", async (t) => {
  const dir = tempDir(t, "work-remote-");
  const { remote, a, b } = twoClones(dir.root);
  const work = new WorkRemote({ remote: "origin", git: execGit });
  const base = git(a, "rev-parse", "main");

  git(a, "branch", BRANCH);
  const round1 = commitOn(a, BRANCH, "one.txt", "1\n");
  const pushed = await work.push(a, BRANCH);
  assert.equal(pushed?.commit, round1);
  assert.equal(pushed?.remote, "origin");
  assert.equal(pushed?.remoteUrl, remote);
  assert.equal(git(remote, "rev-parse", BRANCH), round1);

  const created = await work.catchUp(b, BRANCH, null);
  assert.deepEqual(created, { action: "created", remote: "origin", commit: round1, previous: null });
  assert.equal(git(b, "rev-parse", BRANCH), round1);
  assert.deepEqual(await work.forkPoint(b, BRANCH), { baseCommit: base, baseBranch: "main" });
  assert.deepEqual(await work.catchUp(b, BRANCH, null), { action: "none", reason: "up to date" });

  const round2 = commitOn(b, BRANCH, "two.txt", "2\n");
  assert.equal((await work.push(b, BRANCH))?.commit, round2, "the lease is the tip b fetched: round 1");
  const forwarded = await work.catchUp(a, BRANCH, null);
  assert.deepEqual(forwarded, {
    action: "fast_forwarded",
    remote: "origin",
    commit: round2,
    previous: round1
  });
  assert.equal(git(a, "rev-parse", BRANCH), round2);
});

test("a clone whose view of the remote is stale cannot overwrite a later round; nothing is done without the remote or its branch", async (t) => {
  const dir = tempDir(t, "work-remote-");
  const { remote, a, b } = twoClones(dir.root);
  const work = new WorkRemote({ remote: "origin", git: execGit });
  assert.deepEqual(await work.catchUp(a, BRANCH, null), {
    action: "none",
    reason: `origin has no ${BRANCH}`
  });
  git(a, "branch", BRANCH);
  commitOn(a, BRANCH, "one.txt", "1\n");
  await work.push(a, BRANCH);
  await work.catchUp(b, BRANCH, null);
  const later = commitOn(b, BRANCH, "two.txt", "2\n");
  await work.push(b, BRANCH);
  // a never fetched round 2 and commits beside it: its lease (round 1) no longer holds.
  commitOn(a, BRANCH, "late.txt", "late\n");
  await assert.rejects(work.push(a, BRANCH), /refused|stale/);
  assert.equal(git(remote, "rev-parse", BRANCH), later);
  assert.deepEqual(await work.catchUp(a, BRANCH, null), {
    action: "none",
    reason: "the local branch is ahead of the remote's or has diverged from it"
  });

  const other = new WorkRemote({ remote: "shared", git: execGit });
  assert.deepEqual(await other.catchUp(a, BRANCH, null), { action: "none", reason: "no remote shared" });
  assert.equal(await other.push(a, BRANCH), null);
});

test("a node that never ran the task makes its worktree from the remote's branch; a live worktree is fast-forwarded", async (t) => {
  const dir = tempDir(t, "work-remote-");
  const { a, b } = twoClones(dir.root);
  const base = git(a, "rev-parse", "main");
  const workspaces = (repoDir: string) =>
    new Workspaces({
      git: execGit,
      worktreesDir: join(repoDir, "..", `${repoDir.split("/").at(-1)}-worktrees`),
      scratchDir: join(dir.root, "scratch"),
      logger: createSilentLogger(),
      wallNow: Date.now,
      workRemote: new WorkRemote({ remote: "origin", git: execGit })
    });
  const task = { taskId: "task-1", cwd: a, workspace: "worktree" as const };
  const onA = workspaces(a);
  const first = await onA.prepare(task);
  assert.equal(first.workspace.baseCommit, base);
  writeFileSync(join(first.workspace.path, "one.txt"), "1\n");
  git(first.workspace.path, "add", "-A");
  git(first.workspace.path, "commit", "-q", "-m", "round 1");
  await new WorkRemote({ remote: "origin", git: execGit }).push(first.workspace.path, BRANCH);

  const onB = workspaces(b);
  const second = await onB.prepare({ ...task, cwd: b });
  assert.equal(
    readFileSync(join(second.workspace.path, "one.txt"), "utf8"),
    "1\n",
    "round 1's work is in b's worktree"
  );
  assert.equal(second.workspace.baseCommit, base, "the diff base is where the task forked, not round 1");
  assert.equal(second.workspace.baseBranch, "main");
  writeFileSync(join(second.workspace.path, "two.txt"), "2\n");
  git(second.workspace.path, "add", "-A");
  git(second.workspace.path, "commit", "-q", "-m", "round 2");
  const round2 = git(second.workspace.path, "rev-parse", "HEAD");
  await new WorkRemote({ remote: "origin", git: execGit }).push(second.workspace.path, BRANCH);

  // a still has its worktree from round 1: round 3 there starts from round 2.
  const third = await onA.prepare(task);
  assert.equal(third.workspace.path, first.workspace.path);
  assert.equal(git(third.workspace.path, "rev-parse", "HEAD"), round2);
  assert.equal(readFileSync(join(third.workspace.path, "two.txt"), "utf8"), "2\n");
});
