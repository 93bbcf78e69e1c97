import assert from "node:assert/strict";
import test from "node:test";
import { branchDiff, TaskGitError } from "../src/index.js";
import { cutUtf8 } from "../src/utf8-cut.js";
import { createGitFixture, type GitFixture } from "./support/git-fixture.js";

async function featureBranch(fx: GitFixture): Promise<void> {
  await fx.commit("base files", {
    "keep.txt": "one\ntwo\nthree\n",
    "move-me.txt": "a\nb\nc\nd\ne\nf\ng\nh\n",
    "gone.txt": "bye\n"
  });
  await fx.run(["switch", "-q", "-c", "baa/task-1"]);
  await fx.run(["rm", "-q", "move-me.txt"]);
  await fx.run(["rm", "-q", "gone.txt"]);
  await fx.commit("feature", {
    "keep.txt": "one\n2\nthree\nfour\n",
    "moved/here.txt": "a\nb\nc\nd\ne\nf\ng\nh\ni\n",
    "image.bin": Buffer.from([0, 1, 2, 3, 0, 255, 254]),
    "odd name é\tx.txt": "odd\n"
  });
  await fx.run(["switch", "-q", "main"]);
  // main moves on after the branch left it: the diff must not show this.
  await fx.commit("main moves on", { "main-only.txt": "main\n" });
}

test("diff from the merge base: counts, rename, binary, odd names", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await featureBranch(fx);
  const diff = await branchDiff({
    repo: fx.repo,
    base: "main",
    head: "baa/task-1",
    maxPatchBytes: 1_000_000,
    git: fx.git
  });
  const mergeBase = await fx.run(["merge-base", "main", "baa/task-1"]);
  assert.deepEqual(diff.base, { branch: "main", commit: mergeBase });
  assert.notEqual(
    diff.base.commit,
    await fx.run(["rev-parse", "main"]),
    "base.commit is the merge base, not main's tip"
  );
  assert.deepEqual(diff.head, { branch: "baa/task-1", commit: await fx.run(["rev-parse", "baa/task-1"]) });
  const byPath = Object.fromEntries(diff.files.map((file) => [file.path, file]));
  assert.deepEqual(Object.keys(byPath).sort(), [
    "gone.txt",
    "image.bin",
    "keep.txt",
    "moved/here.txt",
    "odd name é\tx.txt"
  ]);
  assert.deepEqual(byPath["keep.txt"], {
    path: "keep.txt",
    oldPath: "keep.txt",
    status: "modified",
    additions: 2,
    deletions: 1,
    binary: false
  });
  assert.deepEqual(byPath["moved/here.txt"], {
    path: "moved/here.txt",
    oldPath: "move-me.txt",
    status: "renamed",
    additions: 1,
    deletions: 0,
    binary: false
  });
  assert.deepEqual(byPath["gone.txt"], {
    path: "gone.txt",
    oldPath: "gone.txt",
    status: "deleted",
    additions: 0,
    deletions: 1,
    binary: false
  });
  assert.deepEqual(byPath["image.bin"], {
    path: "image.bin",
    oldPath: "image.bin",
    status: "added",
    additions: 0,
    deletions: 0,
    binary: true
  });
  assert.equal(byPath["odd name é\tx.txt"]?.status, "added");
  assert.equal(diff.truncated, false);
  assert.match(diff.patch, /^diff --git a\/gone.txt b\/gone.txt$/m);
  assert.match(diff.patch, /^rename from move-me.txt$/m);
  assert.match(diff.patch, /^Binary files \/dev\/null and b\/image.bin differ$/m);
  assert.doesNotMatch(diff.patch, /main-only/);
});

test("path restricts files and patch; a renamed file matches by its old path too", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await featureBranch(fx);
  const one = await branchDiff({
    repo: fx.repo,
    base: "main",
    head: "baa/task-1",
    path: "keep.txt",
    maxPatchBytes: 1_000_000,
    git: fx.git
  });
  assert.deepEqual(
    one.files.map((file) => file.path),
    ["keep.txt"]
  );
  assert.equal((one.patch.match(/^diff --git/gm) ?? []).length, 1);
  const renamed = await branchDiff({
    repo: fx.repo,
    base: "main",
    head: "baa/task-1",
    path: "move-me.txt",
    maxPatchBytes: 1_000_000,
    git: fx.git
  });
  assert.deepEqual(
    renamed.files.map((file) => [file.status, file.oldPath, file.path]),
    [["renamed", "move-me.txt", "moved/here.txt"]]
  );
  assert.match(renamed.patch, /^rename to moved\/here.txt$/m);
  const dir = await branchDiff({
    repo: fx.repo,
    base: "main",
    head: "baa/task-1",
    path: "moved",
    maxPatchBytes: 1_000_000,
    git: fx.git
  });
  assert.deepEqual(
    dir.files.map((file) => file.path),
    ["moved/here.txt"]
  );
  const none = await branchDiff({
    repo: fx.repo,
    base: "main",
    head: "baa/task-1",
    path: "nope.txt",
    maxPatchBytes: 1_000_000,
    git: fx.git
  });
  assert.deepEqual([none.files, none.patch, none.truncated], [[], "", false]);
});

test("the patch is cut at maxPatchBytes on a line end with truncated:true", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await featureBranch(fx);
  const full = await branchDiff({
    repo: fx.repo,
    base: "main",
    head: "baa/task-1",
    maxPatchBytes: 1_000_000,
    git: fx.git
  });
  const size = Buffer.byteLength(full.patch);
  const exact = await branchDiff({
    repo: fx.repo,
    base: "main",
    head: "baa/task-1",
    maxPatchBytes: size,
    git: fx.git
  });
  assert.deepEqual([exact.patch, exact.truncated], [full.patch, false]);
  const cut = await branchDiff({
    repo: fx.repo,
    base: "main",
    head: "baa/task-1",
    maxPatchBytes: 200,
    git: fx.git
  });
  assert.equal(cut.truncated, true);
  assert.ok(Buffer.byteLength(cut.patch) <= 200);
  assert.ok(cut.patch.endsWith("\n"));
  assert.ok(full.patch.startsWith(cut.patch));
  assert.equal(cut.files.length, full.files.length, "the file list is never cut");
});

test("cutUtf8 never splits a character and prefers a line end", () => {
  const text = Buffer.from("ab\néé€", "utf8");
  assert.equal(cutUtf8(text, 100).toString(), "ab\néé€");
  assert.equal(cutUtf8(text, 5).toString(), "ab\n");
  const noLine = Buffer.from("éé€x", "utf8"); // 2+2+3+1 bytes
  assert.equal(cutUtf8(noLine, 3).toString(), "é");
  assert.equal(cutUtf8(noLine, 6).toString(), "éé");
  assert.equal(cutUtf8(noLine, 7).toString(), "éé€");
  assert.equal(cutUtf8(noLine, 0).length, 0);
});

test("a commit as base, and unknown refs refused with unknown_ref", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await featureBranch(fx);
  const first = await fx.run(["rev-list", "--max-parents=0", "main"]);
  const diff = await branchDiff({
    repo: fx.repo,
    base: first,
    head: "baa/task-1",
    maxPatchBytes: 10_000,
    git: fx.git
  });
  assert.deepEqual(diff.base, { branch: null, commit: first });
  await assert.rejects(
    branchDiff({ repo: fx.repo, base: "nope", head: "baa/task-1", maxPatchBytes: 10, git: fx.git }),
    (error: unknown) => error instanceof TaskGitError && error.code === "unknown_ref"
  );
  await assert.rejects(
    branchDiff({ repo: fx.repo, base: "main", head: "baa/nope", maxPatchBytes: 10, git: fx.git }),
    (error: unknown) => error instanceof TaskGitError && error.code === "unknown_ref"
  );
});
