import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createGitRunner, type GitRunner } from "../../src/index.js";

/** A repository with one commit on `main`, a bare remote `origin`, and git isolated from the machine's config. */
export interface GitFixture {
  root: string;
  repo: string;
  remote: string;
  worktreesDir: string;
  git: GitRunner;
  /** Runs git in `cwd` (default the repo) with a test identity; resolves trimmed stdout. */
  run: (args: string[], cwd?: string) => Promise<string>;
  /** Writes files (relative to `cwd`, default the repo). */
  write: (files: Record<string, string | Buffer>, cwd?: string) => void;
  /** Writes, stages everything and commits; resolves the new sha. */
  commit: (message: string, files: Record<string, string | Buffer>, cwd?: string) => Promise<string>;
  cleanup: () => void;
}

export async function createGitFixture(): Promise<GitFixture> {
  const root = mkdtempSync(join(tmpdir(), "task-git-"));
  const globalConfig = join(root, "gitconfig");
  writeFileSync(globalConfig, "");
  // No identity, no hooks, no system config: what a fresh machine's conductor user has.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: root,
    GIT_CONFIG_GLOBAL: globalConfig,
    GIT_CONFIG_NOSYSTEM: "1",
    LANG: "C"
  };
  const git = createGitRunner({ env });
  const repo = join(root, "repo");
  const remote = join(root, "remote.git");
  const worktreesDir = join(root, "worktrees");
  mkdirSync(repo);
  const run = async (args: string[], cwd = repo) =>
    (
      await git({
        cwd,
        args: ["-c", "user.name=Test Person", "-c", "user.email=person@example.org", ...args]
      })
    ).stdout
      .toString("utf8")
      .trim();
  const write = (files: Record<string, string | Buffer>, cwd = repo) => {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(cwd, path)), { recursive: true });
      writeFileSync(join(cwd, path), content);
    }
  };
  const commit = async (message: string, files: Record<string, string | Buffer>, cwd = repo) => {
    write(files, cwd);
    await run(["add", "-A"], cwd);
    await run(["commit", "-q", "-m", message], cwd);
    return run(["rev-parse", "HEAD"], cwd);
  };
  await run(["init", "-q", "-b", "main"]);
  await commit("initial", { "README.md": "hello\n" });
  await run(["init", "-q", "--bare", remote], root);
  await run(["remote", "add", "origin", remote]);
  return {
    root,
    repo,
    remote,
    worktreesDir,
    git,
    run,
    write,
    commit,
    cleanup: () => rmSync(root, { recursive: true, force: true })
  };
}

/** A `baa/<task>` branch from main in its own worktree (as the conductor makes them); resolves the worktree path. */
export async function addTaskWorktree(fixture: GitFixture, task: string): Promise<string> {
  const path = join(fixture.worktreesDir, task);
  await fixture.run(["worktree", "add", "-q", "-b", `baa/${task}`, path, "main"]);
  return path;
}
