import assert from "node:assert/strict";
import test from "node:test";
import { openControlStore, type ControlStore } from "@baa/control-store";
import { createGitHubForge } from "@baa/github-forge";
import { makeTempDir } from "@baa/test-support";
import { startFakeGitHub, type FakeGitHub } from "../../../../tests/support/fake-github.js";
import { commentMarker } from "../../src/github/comment-bodies.js";
import { IssueComments } from "../../src/github/issue-comments.js";
import { issueKey } from "../../src/github/issue-task.js";
import { createSilentLogger } from "../../src/logger.js";

const TOKEN = "ghp_comments_unit_token";

/** A SQLite store holding one issue task ended `failed`, and the fake GitHub with that issue. */
async function setup(t: test.TestContext) {
  const dir = makeTempDir("issue-comments-");
  let clock = Date.parse("2030-01-01T00:00:00.000Z");
  const store: ControlStore = await openControlStore({ stateDir: dir.root, now: () => clock });
  const github: FakeGitHub = await startFakeGitHub({ token: TOKEN });
  t.after(async () => {
    await store.close();
    await github.close();
    dir.remove();
  });
  const issue = github.addIssue({ owner: "acme", repo: "widgets", title: "Broken", labels: ["baa"] });
  const source = {
    kind: "github_issue" as const,
    repo: "acme/widgets",
    number: issue.number,
    url: "https://github.com/acme/widgets/issues/1"
  };
  const { task } = await store.createTask(
    { title: "Broken", prompt: "p", maxAttempts: 1, source },
    { externalKey: issueKey("acme/widgets", issue.number) }
  );
  const lease = await store.acquireLease({ scope: "scheduler", holder: "me", ttlMs: 3_600_000 });
  const [claim] = await store.claimTasks({ scope: "scheduler", holder: "me", term: lease!.term, limit: 1 });
  await store.finishRun(
    { runId: claim!.run.runId, owner: "me", term: lease!.term },
    { runState: "failed", taskState: "failed", reason: "codex: the tests would not pass", spendAttempt: true }
  );
  const forge = createGitHubForge({
    token: TOKEN,
    apiUrl: github.url,
    delayUnitMs: 1,
    throttle: { retries: 0 }
  });
  const comments = new IssueComments({
    store,
    forge,
    diff: async () => null,
    wallNow: () => clock,
    retryBaseMs: 1_000,
    logger: createSilentLogger()
  });
  return { store, github, comments, taskId: task.taskId, issue, advance: (ms: number) => (clock += ms) };
}

test("a failed task's issue gets one comment with the reason, however many passes run", async (t) => {
  const { github, comments, taskId, store } = await setup(t);
  await comments.pass();
  await comments.pass();
  assert.equal(github.comments.length, 1);
  assert.match(
    github.comments[0]!.body,
    new RegExp(`task \`${taskId}\` for this issue failed: codex: the tests would not pass`)
  );
  assert.ok(github.comments[0]!.body.includes(commentMarker(taskId, "failed")));
  const entry = await store.getComment(taskId, "failed");
  assert.equal(entry?.state, "sent");
  assert.equal(entry?.commentId, github.comments[0]!.id);
  assert.equal(comments.posted, 1);
});

test("posted but not recorded (a crash between): the next pass finds the marker and does not post again", async (t) => {
  const { github, comments, taskId, store, issue } = await setup(t);
  // What a crash leaves: the intent written, the comment on GitHub, no record of it.
  await store.beginComment(taskId, "failed");
  github.comments.push({
    owner: "acme",
    repo: "widgets",
    issueNumber: issue.number,
    id: 777,
    body: `earlier\n\n${commentMarker(taskId, "failed")}`,
    createdAt: new Date().toISOString()
  });
  await comments.pass();
  assert.equal(github.comments.length, 1, "not posted again");
  assert.equal((await store.getComment(taskId, "failed"))?.commentId, 777);
});

test("not posted (the call failed): retried after a wait, once", async (t) => {
  const { github, comments, taskId, store, advance } = await setup(t);
  github.failNext(
    { method: "POST", path: /\/comments$/ },
    { status: 422, body: { message: "Validation Failed" } }
  );
  await comments.pass();
  assert.equal(github.comments.length, 0);
  assert.equal((await store.getComment(taskId, "failed"))?.state, "sending");
  await comments.pass();
  assert.equal(github.requests.filter((r) => r.method === "POST").length, 1, "waits before trying again");
  advance(1_500);
  await comments.pass();
  assert.equal(github.comments.length, 1);
  assert.equal((await store.getComment(taskId, "failed"))?.state, "sent");
  assert.equal(comments.failed, 1);
});

test("a rate limit stops every comment until GitHub's time and says so", async (t) => {
  const { github, comments, advance } = await setup(t);
  github.failNext(
    { method: "POST", path: /\/comments$/ },
    {
      status: 429,
      body: { message: "You have exceeded a secondary rate limit" },
      headers: { "retry-after": "30" }
    }
  );
  await comments.pass();
  assert.equal(comments.waiting?.reason, "rate_limited");
  advance(10_000);
  await comments.pass();
  assert.equal(github.comments.length, 0);
  advance(25_000);
  await comments.pass();
  assert.equal(github.comments.length, 1);
  assert.equal(comments.waiting, null);
});
