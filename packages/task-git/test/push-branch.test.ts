import assert from "node:assert/strict";
import test from "node:test";
import { pushBranch, TaskGitError } from "../src/index.js";
import { addTaskWorktree, createGitFixture } from "./support/git-fixture.js";

function refusedWith(code: string) {
  return (error: unknown) => error instanceof TaskGitError && error.code === code;
}

test("pushes a branch to a bare remote under the same name", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  const wt = await addTaskWorktree(fx, "task-1");
  const sha = await fx.commit("task", { "a.txt": "a\n" }, wt);
  const result = await pushBranch({
    repo: fx.repo,
    remote: "origin",
    branch: "baa/task-1",
    force: "none",
    git: fx.git
  });
  assert.deepEqual(result, { remoteUrl: fx.remote, commit: sha });
  assert.equal(await fx.run(["rev-parse", "refs/heads/baa/task-1"], fx.remote), sha);
});

test("force-with-lease rewrites a revised baa/ branch; a stale lease is push_rejected", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  const wt = await addTaskWorktree(fx, "task-1");
  const first = await fx.commit("task", { "a.txt": "a\n" }, wt);
  await pushBranch({ repo: fx.repo, remote: "origin", branch: "baa/task-1", force: "none", git: fx.git });
  await fx.run(["commit", "-q", "--amend", "-m", "task, revised"], wt);
  const revised = await fx.run(["rev-parse", "HEAD"], wt);
  await assert.rejects(
    pushBranch({ repo: fx.repo, remote: "origin", branch: "baa/task-1", force: "none", git: fx.git }),
    (error: unknown) => {
      assert.ok(refusedWith("push_rejected")(error), String(error));
      assert.match((error as Error).message, /non-fast-forward|fetch first/);
      return true;
    }
  );
  await assert.rejects(
    pushBranch({
      repo: fx.repo,
      remote: "origin",
      branch: "baa/task-1",
      force: "with-lease",
      expectedRemoteSha: revised,
      git: fx.git
    }),
    refusedWith("push_rejected"),
    "the remote is not where the lease expects"
  );
  const result = await pushBranch({
    repo: fx.repo,
    remote: "origin",
    branch: "baa/task-1",
    force: "with-lease",
    expectedRemoteSha: first,
    git: fx.git
  });
  assert.equal(result.commit, revised);
  assert.equal(await fx.run(["rev-parse", "refs/heads/baa/task-1"], fx.remote), revised);
  // The default lease is this repository's remote-tracking ref, which the last push updated.
  await fx.run(["commit", "-q", "--amend", "-m", "task, revised again"], wt);
  const again = await pushBranch({
    repo: fx.repo,
    remote: "origin",
    branch: "baa/task-1",
    force: "with-lease",
    git: fx.git
  });
  assert.equal(await fx.run(["rev-parse", "refs/heads/baa/task-1"], fx.remote), again.commit);
});

test("with-lease is refused for a branch outside baa/, before anything is pushed", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await assert.rejects(
    pushBranch({ repo: fx.repo, remote: "origin", branch: "main", force: "with-lease", git: fx.git }),
    refusedWith("lease_not_allowed")
  );
  await assert.rejects(fx.run(["rev-parse", "--verify", "--quiet", "refs/heads/main"], fx.remote));
});

test("a person's branch moved backwards is push_rejected without a lease", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await fx.commit("second", { "b.txt": "b\n" });
  await pushBranch({ repo: fx.repo, remote: "origin", branch: "main", force: "none", git: fx.git });
  const remoteMain = await fx.run(["rev-parse", "main"], fx.remote);
  await fx.run(["reset", "-q", "--hard", "HEAD~1"]);
  await assert.rejects(
    pushBranch({ repo: fx.repo, remote: "origin", branch: "main", force: "none", git: fx.git }),
    refusedWith("push_rejected")
  );
  assert.equal(await fx.run(["rev-parse", "main"], fx.remote), remoteMain);
});

test("unknown remote and unknown branch are refused; credentials never appear in messages", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await assert.rejects(
    pushBranch({ repo: fx.repo, remote: "nope", branch: "main", force: "none", git: fx.git }),
    refusedWith("unknown_remote")
  );
  await assert.rejects(
    pushBranch({ repo: fx.repo, remote: "origin", branch: "baa/nope", force: "none", git: fx.git }),
    refusedWith("unknown_ref")
  );
  // Port 9 on loopback: nothing listens, the push fails fast with the URL in git's message.
  await fx.run(["remote", "add", "secret", "http://someone:s3cr3t-token@127.0.0.1:9/o/r.git"]);
  await assert.rejects(
    pushBranch({ repo: fx.repo, remote: "secret", branch: "main", force: "none", git: fx.git }),
    (error: unknown) => {
      assert.ok(refusedWith("push_failed")(error), String(error));
      assert.doesNotMatch(String((error as Error).message), /s3cr3t|someone/);
      assert.doesNotMatch(String(((error as Error).cause as Error).message), /s3cr3t/);
      return true;
    }
  );
});
