import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { commitRun, parseAuthor } from "../src/index.js";
import { addTaskWorktree, createGitFixture } from "./support/git-fixture.js";

const trailers = { "Baa-Task": "task-1", "Baa-Run": "run-1" };

test("commits everything, new files included, with trailers, author and committer, and no identity configured", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  const wt = await addTaskWorktree(fx, "task-1");
  fx.write({ "src/new.ts": "export {};\n", "README.md": "hello\nworld\n" }, wt);
  const { commit } = await commitRun({
    worktree: wt,
    message: "Add the thing",
    trailers,
    author: "baa-conductor <baa@localhost>",
    git: fx.git
  });
  assert.match(commit ?? "", /^[0-9a-f]{40}$/);
  assert.equal(await fx.run(["rev-parse", "refs/heads/baa/task-1"]), commit);
  assert.equal(
    await fx.run(["log", "-1", "--format=%an <%ae>|%cn <%ce>", commit!]),
    "baa-conductor <baa@localhost>|baa-conductor <baa@localhost>"
  );
  assert.equal(await fx.run(["log", "-1", "--format=%s", commit!]), "Add the thing");
  assert.equal(await fx.run(["log", "-1", "--format=%(trailers:key=Baa-Task,valueonly)", commit!]), "task-1");
  assert.equal(await fx.run(["log", "-1", "--format=%(trailers:key=Baa-Run,valueonly)", commit!]), "run-1");
  assert.equal(
    await fx.run(["log", "-1", "--format=%(trailers)", commit!]),
    "Baa-Task: task-1\nBaa-Run: run-1"
  );
  assert.equal(await fx.run(["show", "--format=", "--name-only", commit!]), "README.md\nsrc/new.ts");
  assert.equal(await fx.run(["status", "--porcelain"], wt), "", "nothing left only in the worktree");
});

test("the repository's hooks do not run: a failing pre-commit and a writing post-commit are ignored", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  const wt = await addTaskWorktree(fx, "task-2");
  const hooks = join(fx.repo, ".git", "hooks");
  mkdirSync(hooks, { recursive: true });
  const marker = join(fx.root, "post-commit-ran");
  for (const [name, body] of Object.entries({
    "pre-commit": "exit 1",
    "commit-msg": "exit 1",
    "post-commit": `touch '${marker}'`,
    "prepare-commit-msg": "exit 1"
  })) {
    writeFileSync(join(hooks, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(hooks, name), 0o755);
  }
  // A hooksPath configured by the user is bypassed too.
  await fx.run(["config", "core.hooksPath", hooks]);
  fx.write({ "a.txt": "a\n" }, wt);
  const { commit } = await commitRun({
    worktree: wt,
    message: "Hooks stay quiet",
    trailers,
    author: "Bot <bot@example.org>",
    git: fx.git
  });
  assert.notEqual(commit, null);
  assert.equal(existsSync(marker), false, "post-commit did not run");
  // The hooks do fire for a person's own commit: the test would prove nothing otherwise.
  fx.write({ "b.txt": "b\n" }, wt);
  await fx.run(["add", "b.txt"], wt);
  await assert.rejects(fx.run(["commit", "-q", "-m", "by hand"], wt));
});

test("nothing changed → commit null and no new commit", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  const wt = await addTaskWorktree(fx, "task-3");
  const before = await fx.run(["rev-parse", "HEAD"], wt);
  assert.deepEqual(
    await commitRun({
      worktree: wt,
      message: "Nothing",
      trailers,
      author: "Bot <bot@example.org>",
      git: fx.git
    }),
    { commit: null }
  );
  assert.equal(await fx.run(["rev-parse", "HEAD"], wt), before);
});

test("a signing config is ignored", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  const wt = await addTaskWorktree(fx, "task-4");
  await fx.run(["config", "commit.gpgSign", "true"]);
  await fx.run(["config", "gpg.program", "/bin/false"]);
  fx.write({ "c.txt": "c\n" }, wt);
  const { commit } = await commitRun({
    worktree: wt,
    message: "Unsigned",
    trailers,
    author: "Bot <bot@example.org>",
    git: fx.git
  });
  assert.notEqual(commit, null);
});

test("parseAuthor reads Name <email> and refuses anything else with a TypeError", () => {
  assert.deepEqual(parseAuthor("baa-conductor <baa@localhost>"), {
    name: "baa-conductor",
    email: "baa@localhost"
  });
  assert.deepEqual(parseAuthor("  Ada  Lovelace   <ada@example.org> "), {
    name: "Ada  Lovelace",
    email: "ada@example.org"
  });
  for (const bad of [
    "",
    "ada@example.org",
    "<ada@example.org>",
    "Ada <>",
    "Ada <a@b> extra",
    "Ada\nX <a@b>",
    "Ada <a b@c>"
  ]) {
    assert.throws(() => parseAuthor(bad), TypeError, bad);
  }
});

test("bad author or trailers refuse before anything is staged", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  const wt = await addTaskWorktree(fx, "task-5");
  fx.write({ "d.txt": "d\n" }, wt);
  await assert.rejects(
    commitRun({ worktree: wt, message: "x", trailers, author: "nobody", git: fx.git }),
    TypeError
  );
  await assert.rejects(
    commitRun({
      worktree: wt,
      message: "x",
      trailers: { "Baa-Task": "a\nb" },
      author: "A <a@b>",
      git: fx.git
    }),
    TypeError
  );
  await assert.rejects(
    commitRun({ worktree: wt, message: "  ", trailers, author: "A <a@b>", git: fx.git }),
    TypeError
  );
  assert.equal(await fx.run(["diff", "--cached", "--name-only"], wt), "");
});
