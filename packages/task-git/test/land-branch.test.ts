import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  writeFileSync
} from "node:fs";
import { join } from "node:path";
import test from "node:test";
import {
  landBranch,
  snapshotDifferences,
  snapshotRepository,
  TaskGitError,
  type GitRunner,
  type LandBranchOptions
} from "../src/index.js";
import { addTaskWorktree, createGitFixture, type GitFixture } from "./support/git-fixture.js";

const author = "baa-conductor <baa@localhost>";

/** main has README.md and main.txt; baa/task-1 (in its worktree) adds task.txt in two commits. */
async function landable(fx: GitFixture): Promise<string> {
  const wt = await addTaskWorktree(fx, "task-1");
  await fx.commit("task one", { "task.txt": "one\n" }, wt);
  await fx.commit("task two", { "task.txt": "one\ntwo\n" }, wt);
  await fx.commit("main moves on", { "main.txt": "main\n" });
  return wt;
}

function options(fx: GitFixture, extra: Partial<LandBranchOptions> = {}): LandBranchOptions {
  return {
    repo: fx.repo,
    branch: "baa/task-1",
    target: "main",
    method: "merge",
    message: "Land task-1",
    author,
    worktreesDir: fx.worktreesDir,
    git: fx.git,
    ...extra
  };
}

function refusedWith(code: string) {
  return (error: unknown) => error instanceof TaskGitError && error.code === code;
}

function noTempWorktreesLeft(fx: GitFixture): void {
  assert.deepEqual(
    readdirSync(fx.worktreesDir).filter((name) => name.startsWith(".land-")),
    []
  );
}

test("merge: a --no-ff merge commit on main, the clean checkout moved along, baa/ untouched", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await landable(fx);
  const before = {
    main: await fx.run(["rev-parse", "main"]),
    task: await fx.run(["rev-parse", "baa/task-1"])
  };
  const result = await landBranch(options(fx));
  assert.equal(result.commit, await fx.run(["rev-parse", "main"]));
  assert.equal(await fx.run(["log", "-1", "--format=%P", "main"]), `${before.main} ${before.task}`);
  assert.equal(
    await fx.run(["log", "-1", "--format=%s|%an <%ae>|%cn <%ce>", "main"]),
    `Land task-1|${author}|${author}`
  );
  assert.deepEqual([result.method, result.target, result.checkoutNotMoved], ["merge", "main", null]);
  assert.equal(realpathSync(result.movedCheckout ?? ""), realpathSync(fx.repo));
  assert.equal(readFileSync(join(fx.repo, "task.txt"), "utf8"), "one\ntwo\n");
  assert.equal(await fx.run(["status", "--porcelain", "--untracked-files=all"]), "");
  assert.equal(await fx.run(["rev-parse", "baa/task-1"]), before.task);
  noTempWorktreesLeft(fx);
  assert.equal(
    (await fx.run(["worktree", "list", "--porcelain"]))
      .split("\n")
      .filter((line) => line.startsWith("worktree ")).length,
    2
  );
});

test("squash: one single-parent commit with the branch's changes and the given message", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await landable(fx);
  const oldMain = await fx.run(["rev-parse", "main"]);
  const result = await landBranch(options(fx, { method: "squash", message: "Squashed task-1" }));
  assert.equal(
    await fx.run(["log", "-1", "--format=%P|%s|%an", "main"]),
    `${oldMain}|Squashed task-1|baa-conductor`
  );
  assert.equal(await fx.run(["show", "--format=", "--name-only", "main"]), "task.txt");
  assert.equal(readFileSync(join(fx.repo, "task.txt"), "utf8"), "one\ntwo\n");
  assert.equal(await fx.run(["status", "--porcelain"]), "");
  assert.equal(result.commit, await fx.run(["rev-parse", "main"]));
});

test("rebase: the branch's commits replayed on main's tip, main fast-forwarded, baa/ not rewritten", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await landable(fx);
  const oldMain = await fx.run(["rev-parse", "main"]);
  const task = await fx.run(["rev-parse", "baa/task-1"]);
  const result = await landBranch(options(fx, { method: "rebase" }));
  assert.equal(await fx.run(["log", "--format=%s", `${oldMain}..main`]), "task two\ntask one");
  assert.equal(await fx.run(["rev-list", "--merges", "--count", "main"]), "0");
  assert.equal(
    await fx.run(["log", "-1", "--format=%an|%cn", "main"]),
    "Test Person|baa-conductor",
    "original author kept, the land commits"
  );
  assert.equal(await fx.run(["rev-parse", "baa/task-1"]), task);
  assert.equal(realpathSync(result.movedCheckout ?? ""), realpathSync(fx.repo));
  assert.equal(readFileSync(join(fx.repo, "main.txt"), "utf8"), "main\n");
  assert.equal(readFileSync(join(fx.repo, "task.txt"), "utf8"), "one\ntwo\n");
  assert.equal(await fx.run(["status", "--porcelain"]), "");
});

test("a dirty checkout of the target → target_worktree_dirty naming it; snapshot identical", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await landable(fx);
  fx.write({ "README.md": "my edit\n", "notes.txt": "mine\n" });
  await fx.run(["add", "notes.txt"]);
  fx.write({ "scratch/untracked.txt": "scratch\n" });
  const before = await snapshotRepository(fx.repo, fx.git);
  const readmeBefore = readFileSync(join(fx.repo, ".git", "index"));
  for (const method of ["merge", "squash", "rebase"] as const) {
    await assert.rejects(landBranch(options(fx, { method })), (error: unknown) => {
      assert.ok(error instanceof TaskGitError && error.code === "target_worktree_dirty", String(error));
      assert.equal(realpathSync(error.worktree ?? ""), realpathSync(fx.repo));
      assert.deepEqual(error.paths.sort(), ["README.md", "notes.txt"]);
      return true;
    });
  }
  assert.deepEqual(snapshotDifferences(before, await snapshotRepository(fx.repo, fx.git)), []);
  assert.deepEqual(await snapshotRepository(fx.repo, fx.git), before);
  assert.deepEqual(
    readFileSync(join(fx.repo, ".git", "index")),
    readmeBefore,
    "the index file is byte-for-byte the same"
  );
  noTempWorktreesLeft(fx);
});

test("an untracked or ignored file the land would overwrite is dirty; other untracked files are fine", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await landable(fx);
  fx.write({ "task.txt": "my own untracked task.txt\n" });
  let before = await snapshotRepository(fx.repo, fx.git);
  await assert.rejects(
    landBranch(options(fx)),
    (error: unknown) =>
      refusedWith("target_worktree_dirty")(error) && (error as TaskGitError).paths.includes("task.txt")
  );
  assert.deepEqual(snapshotDifferences(before, await snapshotRepository(fx.repo, fx.git)), []);

  // Ignored: git itself would overwrite it silently.
  writeFileSync(join(fx.repo, ".git", "info", "exclude"), "task.txt\n");
  before = await snapshotRepository(fx.repo, fx.git);
  await assert.rejects(landBranch(options(fx)), refusedWith("target_worktree_dirty"));
  assert.deepEqual(snapshotDifferences(before, await snapshotRepository(fx.repo, fx.git)), []);
  assert.equal(readFileSync(join(fx.repo, "task.txt"), "utf8"), "my own untracked task.txt\n");

  // A file where the land puts a directory is in the way too.
  const wt = join(fx.worktreesDir, "task-1");
  await fx.commit("nested", { "dir/inner.txt": "inner\n" }, wt);
  await fx.run(["rm", "-q", "--cached", "--ignore-unmatch", "task.txt"]);
  writeFileSync(join(fx.repo, ".git", "info", "exclude"), "");
  await fx.run(["clean", "-fq", "--", "task.txt"]);
  fx.write({ dir: "a file named dir\n" });
  await assert.rejects(
    landBranch(options(fx)),
    (error: unknown) =>
      refusedWith("target_worktree_dirty")(error) && (error as TaskGitError).paths.includes("dir")
  );

  // Untracked files elsewhere do not stop it, and survive it.
  await fx.run(["clean", "-fq", "--", "dir"]);
  fx.write({ "elsewhere.txt": "keep me\n" });
  const result = await landBranch(options(fx));
  assert.notEqual(result.movedCheckout, null);
  assert.equal(readFileSync(join(fx.repo, "elsewhere.txt"), "utf8"), "keep me\n");
  assert.equal(readFileSync(join(fx.repo, "dir", "inner.txt"), "utf8"), "inner\n");
  assert.equal(await fx.run(["status", "--porcelain"]), "?? elsewhere.txt");
});

test("a conflict → land_conflict with the path; nothing moved, snapshot identical, temp worktree gone", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  const wt = await landable(fx);
  await fx.commit("task edits README", { "README.md": "task version\n" }, wt);
  await fx.commit("main edits README", { "README.md": "main version\n" });
  const before = await snapshotRepository(fx.repo, fx.git);
  for (const method of ["merge", "squash", "rebase"] as const) {
    await assert.rejects(landBranch(options(fx, { method })), (error: unknown) => {
      assert.ok(error instanceof TaskGitError && error.code === "land_conflict", String(error));
      assert.deepEqual(error.paths, ["README.md"]);
      return true;
    });
    assert.deepEqual(snapshotDifferences(before, await snapshotRepository(fx.repo, fx.git)), [], method);
    noTempWorktreesLeft(fx);
  }
  assert.equal(
    (await fx.run(["worktree", "list", "--porcelain"]))
      .split("\n")
      .filter((line) => line.startsWith("worktree ")).length,
    2
  );
});

test("target moved between the merge and the ref update → target_moved; the concurrent move stands", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await landable(fx);
  await fx.run(["branch", "release", "main"]);
  const someoneElses = await fx.run(["commit-tree", "-p", "release", "-m", "someone else", "release^{tree}"]);
  const racing: GitRunner = async (call) => {
    if (call.args.includes("update-ref") && call.args.includes("refs/heads/release"))
      await fx.run(["update-ref", "refs/heads/release", someoneElses]);
    return fx.git(call);
  };
  await assert.rejects(landBranch(options(fx, { target: "release", git: racing })), (error: unknown) => {
    assert.ok(error instanceof TaskGitError && error.code === "target_moved", String(error));
    assert.equal(error.details.actual, someoneElses);
    return true;
  });
  assert.equal(await fx.run(["rev-parse", "release"]), someoneElses);
  noTempWorktreesLeft(fx);
});

test("already merged → the target's tip, unchanged; a target nobody has checked out moves with no checkout", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await landable(fx);
  await fx.run(["branch", "release", "main"]);
  const first = await landBranch(options(fx, { target: "release" }));
  assert.equal(first.movedCheckout, null);
  assert.equal(await fx.run(["rev-parse", "release"]), first.commit);
  const before = await snapshotRepository(fx.repo, fx.git);
  for (const method of ["merge", "squash", "rebase"] as const) {
    const again = await landBranch(options(fx, { target: "release", method }));
    assert.deepEqual(again, {
      commit: first.commit,
      method,
      target: "release",
      movedCheckout: null,
      checkoutNotMoved: null
    });
  }
  assert.deepEqual(snapshotDifferences(before, await snapshotRepository(fx.repo, fx.git)), []);
});

test("a squash already landed is a no-op the second time", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await landable(fx);
  const first = await landBranch(options(fx, { method: "squash" }));
  const again = await landBranch(options(fx, { method: "squash" }));
  assert.equal(again.commit, first.commit);
  assert.equal(again.movedCheckout, null);
});

test("unknown target or branch, and a remote-tracking target, are refused", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await landable(fx);
  await fx.run(["update-ref", "refs/remotes/origin/main", "main"]);
  await assert.rejects(landBranch(options(fx, { target: "nope" })), refusedWith("unknown_target"));
  await assert.rejects(landBranch(options(fx, { target: "origin/main" })), refusedWith("unknown_target"));
  await assert.rejects(landBranch(options(fx, { branch: "baa/nope" })), refusedWith("unknown_ref"));
  await assert.rejects(landBranch(options(fx, { author: "nobody" })), TypeError);
});

test("the repository's hooks do not run during a land", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await landable(fx);
  const hooks = join(fx.repo, ".git", "hooks");
  mkdirSync(hooks, { recursive: true });
  const ran = join(fx.root, "hook-ran");
  for (const name of [
    "post-checkout",
    "post-merge",
    "pre-merge-commit",
    "commit-msg",
    "pre-commit",
    "post-commit",
    "pre-rebase",
    "post-rewrite",
    "reference-transaction"
  ]) {
    writeFileSync(join(hooks, name), `#!/bin/sh\necho ${name} >> '${ran}'\nexit 1\n`);
    chmodSync(join(hooks, name), 0o755);
  }
  for (const method of ["merge", "squash", "rebase"] as const) {
    await fx.run(["-c", "core.hooksPath=/dev/null", "update-ref", `refs/heads/t-${method}`, "main"]);
  }
  await landBranch(options(fx, { target: "t-merge" }));
  await landBranch(options(fx, { target: "t-squash", method: "squash" }));
  await landBranch(options(fx, { target: "t-rebase", method: "rebase" }));
  const report = existsSync(ran) ? readFileSync(ran, "utf8") : "";
  assert.equal(report, "");
});

test("a clean linked worktree with the target checked out is moved along", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await landable(fx);
  const release = join(fx.root, "release-checkout");
  await fx.run(["worktree", "add", "-q", "-b", "release", release, "main"]);
  const result = await landBranch(options(fx, { target: "release" }));
  assert.equal(realpathSync(result.movedCheckout ?? ""), realpathSync(release));
  assert.equal(await fx.run(["rev-parse", "HEAD"], release), result.commit);
  assert.equal(readFileSync(join(release, "task.txt"), "utf8"), "one\ntwo\n");
  assert.equal(await fx.run(["status", "--porcelain"], release), "");
  assert.equal(await fx.run(["status", "--porcelain"]), "", "main's checkout untouched");
});

test("a file appearing in the checkout after the last check: the land stands, checkoutNotMoved says how to finish", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await landable(fx);
  const oldMain = await fx.run(["rev-parse", "main"]);
  const racing: GitRunner = async (call) => {
    if (call.args.includes("read-tree") && !call.args.includes("-n"))
      writeFileSync(join(fx.repo, "task.txt"), "appeared\n");
    return fx.git(call);
  };
  const result = await landBranch(options(fx, { git: racing }));
  assert.equal(result.movedCheckout, null);
  assert.equal(await fx.run(["rev-parse", "main"]), result.commit, "the target moved");
  const problem = result.checkoutNotMoved;
  assert.ok(problem !== null);
  assert.deepEqual([problem.from, problem.to], [oldMain, result.commit]);
  assert.match(problem.reason, /task\.txt/);
  assert.equal(
    readFileSync(join(fx.repo, "task.txt"), "utf8"),
    "appeared\n",
    "the person's file was not overwritten"
  );
  // The recovery, once the file is moved aside, brings the checkout to the landed commit.
  await fx.run(["clean", "-fq", "--", "task.txt"]);
  const [command, flag, where, ...args] = problem.recovery.replace(/"/g, "").split(" ");
  assert.deepEqual([command, flag, where], ["git", "-C", problem.worktree]);
  await fx.run(args);
  assert.equal(await fx.run(["status", "--porcelain"]), "");
  assert.equal(readFileSync(join(fx.repo, "task.txt"), "utf8"), "one\ntwo\n");
});

test("verify runs in the temporary worktree at the result, before the target moves; a throw moves nothing", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await landable(fx);
  const oldMain = await fx.run(["rev-parse", "main"]);
  const before = await snapshotRepository(fx.repo, fx.git);
  const seen: { head: string; mainThen: string; hasTaskFile: boolean; targetTip: string }[] = [];
  const refusal = new Error("checks failed");
  await assert.rejects(
    landBranch(
      options(fx, {
        method: "rebase",
        verify: async (worktree, context) => {
          seen.push({
            head: await fx.run(["-C", worktree, "rev-parse", "HEAD"]),
            mainThen: await fx.run(["rev-parse", "main"]),
            hasTaskFile: existsSync(join(worktree, "task.txt")),
            targetTip: context.targetTip
          });
          assert.equal(context.result, seen[0]?.head);
          throw refusal;
        }
      })
    ),
    (error: unknown) => error === refusal
  );
  assert.equal(seen.length, 1);
  assert.deepEqual([seen[0]?.mainThen, seen[0]?.targetTip, seen[0]?.hasTaskFile], [oldMain, oldMain, true]);
  assert.equal(
    await fx.run(["rev-parse", `${seen[0]?.head}~2`]),
    oldMain,
    "the rebased commits sit on main's tip"
  );
  assert.deepEqual(snapshotDifferences(before, await snapshotRepository(fx.repo, fx.git)), []);
  noTempWorktreesLeft(fx);

  let verified = 0;
  const landed = await landBranch(options(fx, { method: "rebase", verify: async () => void verified++ }));
  assert.equal(verified, 1);
  assert.equal(landed.commit, await fx.run(["rev-parse", "main"]));
  const again = await landBranch(options(fx, { method: "rebase", verify: async () => void verified++ }));
  assert.deepEqual([again.commit, verified], [landed.commit, 1], "nothing to land: verify is not called");
});
