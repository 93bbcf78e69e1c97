import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import { createSilentLogger } from "../../src/logger.js";
import { execGit } from "../../src/workspaces/git-runner.js";
import { branchFor, WorkspaceError, Workspaces } from "../../src/workspaces/workspaces.js";

const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" });

function repoIn(dir: string): string {
  const repo = join(dir, "repo");
  mkdirSync(join(repo, "sub"), { recursive: true });
  git(repo, "init", "-q", "-b", "main");
  git(repo, "config", "user.email", "t@example.com");
  git(repo, "config", "user.name", "t");
  writeFileSync(join(repo, "sub", "keep.txt"), "x\n");
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "base");
  return repo;
}

const make = (dir: string) =>
  new Workspaces({
    git: execGit,
    worktreesDir: join(dir, "worktrees"),
    scratchDir: join(dir, "scratch"),
    logger: createSilentLogger(),
    wallNow: () => Date.parse("2026-01-01T00:00:00Z")
  });

test("worktree by default inside a repository: own branch, base commit, subdirectory kept; reused by the next run", async () => {
  const dir = makeTempDir("ws-");
  try {
    const repo = repoIn(dir.root);
    const base = git(repo, "rev-parse", "HEAD").trim();
    const ws = make(dir.root);
    const first = await ws.prepare({ taskId: "task-1", cwd: join(repo, "sub"), workspace: null });
    assert.ok(first);
    assert.deepEqual(first.workspace, {
      kind: "worktree",
      path: join(dir.root, "worktrees", "task-1"),
      branch: "baa/task-1",
      baseCommit: base,
      baseBranch: "main"
    });
    assert.equal(first.cwd, join(dir.root, "worktrees", "task-1", "sub"));
    assert.ok(existsSync(join(first.cwd, "keep.txt")));
    writeFileSync(join(first.cwd, "new.txt"), "hello\n");
    // The repository moves on; a retry of the task keeps its worktree and base.
    writeFileSync(join(repo, "later.txt"), "later\n");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "later");
    const again = await ws.prepare({ taskId: "task-1", cwd: join(repo, "sub"), workspace: null });
    assert.deepEqual(again?.workspace, first.workspace);
    assert.equal(ws.markerOf("task-1")?.repo, repo);
    assert.equal(ws.markerOf("task-1")?.baseBranch, "main");
    assert.equal(ws.markerOf("task-unknown"), null);
  } finally {
    dir.remove();
  }
});

test("shared as asked, or outside a repository; worktree outside one is refused; no cwd, no workspace", async () => {
  const dir = makeTempDir("ws-");
  try {
    const repo = repoIn(dir.root);
    const plain = join(dir.root, "plain");
    mkdirSync(plain);
    const ws = make(dir.root);
    assert.deepEqual((await ws.prepare({ taskId: "t1", cwd: repo, workspace: "shared" }))?.workspace, {
      kind: "shared",
      path: repo,
      branch: null,
      baseCommit: null
    });
    assert.equal((await ws.prepare({ taskId: "t2", cwd: plain, workspace: null }))?.workspace.kind, "shared");
    await assert.rejects(ws.prepare({ taskId: "t3", cwd: plain, workspace: "worktree" }), WorkspaceError);
    await assert.rejects(
      ws.prepare({ taskId: "t4", cwd: join(dir.root, "missing"), workspace: null }),
      /does not exist/
    );
    // No cwd: a scratch directory of its own, never the process's working directory.
    const scratch = await ws.prepare({ taskId: "t5", cwd: null, workspace: null });
    assert.deepEqual(scratch.workspace, {
      kind: "scratch",
      path: join(dir.root, "scratch", "t5"),
      branch: null,
      baseCommit: null
    });
    assert.equal(scratch.cwd, join(dir.root, "scratch", "t5"));
    assert.ok(existsSync(scratch.cwd));
    assert.equal(await ws.problemWith(repo, "worktree"), null);
    assert.equal(await ws.problemWith(plain, null), null);
    assert.match(String(await ws.problemWith(plain, "worktree")), /needs a cwd inside a git repository/);
    assert.match(String(await ws.problemWith(join(dir.root, "missing"), null)), /does not exist/);
    assert.match(String(await ws.problemWith(join(repo, "sub", "keep.txt"), null)), /not a directory/);
    assert.equal(branchFor("task-abc"), "baa/task-abc");
    assert.equal(branchFor("weird id/x"), "baa/task-weird-id-x");
  } finally {
    dir.remove();
  }
});

test("reap: after the retention, uncommitted work is committed to the branch, the worktree removed, the branch kept", async () => {
  const dir = makeTempDir("ws-");
  try {
    const repo = repoIn(dir.root);
    const ws = make(dir.root);
    const prepared = await ws.prepare({ taskId: "task-9", cwd: repo, workspace: "worktree" });
    assert.ok(prepared);
    writeFileSync(join(prepared.cwd, "work.txt"), "unsaved\n");
    const ended: Record<string, string | null> = { "task-9": null };
    const reap = (nowMs: number) =>
      ws.reap({ endedAt: async (id) => ended[id] ?? null, retentionMs: 60_000, nowMs });
    assert.deepEqual(await reap(Date.parse("2026-01-01T00:10:00Z")), [], "still running: kept");
    ended["task-9"] = "2026-01-01T00:00:00Z";
    assert.deepEqual(await reap(Date.parse("2026-01-01T00:00:30Z")), [], "within the retention: kept");
    assert.deepEqual(await reap(Date.parse("2026-01-01T00:01:00Z")), ["task-9"]);
    assert.equal(existsSync(prepared.workspace.path), false);
    assert.match(git(repo, "show", "baa/task-9:work.txt"), /unsaved/);
    assert.match(git(repo, "branch", "--list", "baa/task-9"), /baa\/task-9/);
    assert.deepEqual(await reap(Date.parse("2026-01-02T00:00:00Z")), [], "once only");
    // A retry after the removal gets the branch back in a new worktree, work included.
    const back = await ws.prepare({ taskId: "task-9", cwd: repo, workspace: "worktree" });
    assert.ok(back && existsSync(join(back.cwd, "work.txt")));
    assert.equal(back.workspace.baseCommit, prepared.workspace.baseCommit);
  } finally {
    dir.remove();
  }
});

test("two tasks prepared at once on one repository get separate worktrees", async () => {
  const dir = makeTempDir("ws-");
  try {
    const repo = repoIn(dir.root);
    const ws = make(dir.root);
    const [a, b] = await Promise.all([
      ws.prepare({ taskId: "task-a", cwd: repo, workspace: null }),
      ws.prepare({ taskId: "task-b", cwd: repo, workspace: null })
    ]);
    assert.notEqual(a?.workspace.path, b?.workspace.path);
    assert.match(git(repo, "worktree", "list"), /task-a[\s\S]*task-b|task-b[\s\S]*task-a/);
  } finally {
    dir.remove();
  }
});
