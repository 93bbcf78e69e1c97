import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";
import { startFakeGitHub, type FakeGitHub, type FakeIssue } from "../support/fake-github.js";
import { eventually, postJson } from "../support/http.js";
import { makeGitRepo, startTaskStack, type TaskStack } from "../support/task-stack.js";
import { deliver, githubStatus, issuesEvent, issueTasks, sign, SECRET, TOKEN } from "./github-helpers.js";

/** Refused before anything happens: unsigned, signed with another secret, a signature of another body. */
async function refusesBadSignatures(
  github: FakeGitHub,
  base: string,
  issue: FakeIssue,
  opened: ReturnType<typeof issuesEvent>
): Promise<void> {
  const body = JSON.stringify(opened);
  const unsigned = await deliver(base, opened, { signature: null });
  const wrong = await deliver(base, opened, { signature: sign(body, "not-the-secret") });
  const otherBody = JSON.stringify(issuesEvent(github, "opened", { ...issue, title: "Delete everything" }));
  const forged = await deliver(base, null, { body: otherBody, signature: sign(body) });
  for (const refused of [unsigned, wrong, forged]) {
    assert.equal(refused.status, 401, refused.text);
    assert.equal(refused.body.error.code, "unauthorized");
    assert.doesNotMatch(refused.text, new RegExp(SECRET));
    assert.doesNotMatch(refused.text, /secret/i);
  }
  assert.deepEqual(await issueTasks(base, issue.number), [], "nothing created by refused deliveries");
}

/** A repository not configured: 202, ignored, logged, nothing created; another event kind: 202 ignored; ping: answered. */
async function ignoresOtherReposAndEvents(github: FakeGitHub, base: string): Promise<void> {
  const other = github.addIssue({ owner: "acme", repo: "gadgets", title: "Not ours", labels: ["baa"] });
  const ignored = await deliver(base, issuesEvent(github, "opened", other));
  assert.equal(ignored.status, 202, ignored.text);
  assert.equal(ignored.body.data.ignored, true);
  assert.match(ignored.body.data.reason, /acme\/gadgets is not configured/);
  // Another event kind: 202 ignored; ping: answered.
  assert.equal((await deliver(base, { zen: "Keep it simple." }, { event: "ping" })).status, 200);
  assert.equal((await deliver(base, { action: "created" }, { event: "star" })).status, 202);
}

/** The label removed: the task is cancelled (the cancel path); labelled again it comes back, still one; closed: cancelled. */
async function followsTheLabelAndState(
  github: FakeGitHub,
  stack: TaskStack,
  issue: FakeIssue,
  taskId: string
): Promise<void> {
  const base = stack.conductorBase;
  github.updateIssue(issue, { labels: [] });
  const unlabeled = await deliver(base, issuesEvent(github, "unlabeled", issue));
  assert.equal(unlabeled.body.data.outcome.kind, "cancelled", unlabeled.text);
  const cancelled = await stack.task(taskId);
  assert.equal(cancelled.state, "cancelled");
  assert.match(cancelled.stateReason, /no longer has the label "baa"/);

  // Labelled again: the same task comes back, still one.
  github.updateIssue(issue, { labels: ["baa"] });
  const relabeled = await deliver(base, issuesEvent(github, "labeled", issue));
  assert.equal(relabeled.body.data.outcome.kind, "reopened", relabeled.text);
  assert.equal((await stack.task(taskId)).state, "queued");
  github.updateIssue(issue, { state: "closed" });
  assert.equal(
    (await deliver(base, issuesEvent(github, "closed", issue))).body.data.outcome.kind,
    "cancelled"
  );
  assert.equal((await issueTasks(base, issue.number)).length, 1);
}

/** The first signed delivery of an issue's "opened" makes one queued task from it: that task. */
async function createsTheTask(
  base: string,
  opened: ReturnType<typeof issuesEvent>,
  issue: FakeIssue,
  repo: string
) {
  const first = await deliver(base, opened, { delivery: "delivery-1" });
  assert.equal(first.status, 200, first.text);
  assert.equal(first.body.data.outcome.kind, "created");
  const [task] = await issueTasks(base, issue.number);
  assert.ok(task);
  assert.equal(task.taskId, first.body.data.outcome.taskId);
  assert.equal(task.title, "Make the widget blue");
  assert.match(
    task.prompt,
    /^Make the widget blue\n\nIt is red now\.\n\n\(GitHub issue acme\/widgets#1: http:\/\/127\.0\.0\.1:\d+\/acme\/widgets\/issues\/1\)$/
  );
  assert.equal(task.cwd, repo);
  assert.equal(task.workspace, "worktree");
  assert.deepEqual(task.source, {
    kind: "github_issue",
    repo: "acme/widgets",
    number: 1,
    url: opened.issue.html_url
  });
  assert.equal(task.state, "queued");
  return task;
}

test("webhook intake: a signed delivery makes one task; replays, edits, unsigned and forged deliveries, other repositories", async () => {
  const github = await startFakeGitHub({ token: TOKEN });
  const dir = mkdtempSync(join(tmpdir(), "github-webhook-"));
  const repo = makeGitRepo(join(dir, "widgets"));
  // Polling off: the webhook alone must be enough.
  const stack = await startTaskStack({
    githubToken: TOKEN,
    githubApiUrl: github.url,
    githubWebhookSecret: SECRET,
    githubPollMs: 0,
    githubRepos: [{ repo: "acme/widgets", cwd: repo }]
  });
  try {
    const base = stack.conductorBase;
    // Paused: the task stays queued, so an edit can still reach it.
    assert.equal((await postJson(`${base}/v1/system/pause`, { reason: "webhook test" })).status, 200);
    const issue = github.addIssue({
      owner: "acme",
      repo: "widgets",
      title: "Make the widget blue",
      body: "It is red now.",
      labels: ["baa"]
    });
    const opened = issuesEvent(github, "opened", issue);

    await refusesBadSignatures(github, base, issue, opened);

    const task = await createsTheTask(base, opened, issue, repo);

    // The same delivery again (GitHub's redelivery, or a replay): acted on once.
    const replay = await deliver(base, opened, { delivery: "delivery-1" });
    assert.equal(replay.status, 200);
    assert.equal(replay.body.data.duplicate, true);
    // Another delivery about the same issue: still one task.
    const labeled = await deliver(base, issuesEvent(github, "labeled", issue));
    assert.equal(labeled.body.data.outcome.kind, "unchanged");
    assert.equal((await issueTasks(base, issue.number)).length, 1);

    // Edited while queued: title and prompt follow.
    github.updateIssue(issue, { title: "Make the widget green", body: "Green, not blue." });
    const edited = await deliver(base, issuesEvent(github, "edited", issue));
    assert.equal(edited.body.data.outcome.kind, "updated", edited.text);
    const afterEdit = await stack.task(task.taskId);
    assert.equal(afterEdit.title, "Make the widget green");
    assert.match(afterEdit.prompt, /^Make the widget green\n\nGreen, not blue\./);
    // A replayed old "opened" with a valid signature but a delivery id already seen changes nothing back.
    assert.equal((await deliver(base, opened, { delivery: "delivery-1" })).body.data.duplicate, true);
    assert.equal((await stack.task(task.taskId)).title, "Make the widget green");

    await ignoresOtherReposAndEvents(github, base);

    await followsTheLabelAndState(github, stack, issue, task.taskId);

    const status = await githubStatus(base);
    assert.equal(status.webhook.secretConfigured, true);
    assert.equal(status.webhook.refused, 3);
    assert.ok(status.webhook.duplicates >= 2);
    assert.equal(status.pollMs, 0);
    assert.equal(github.requests.length, 0, "no polling: nothing asked of GitHub");
  } finally {
    await stack.stop();
    await github.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("webhook intake: with no secret configured every delivery is refused", async () => {
  const github = await startFakeGitHub({ token: TOKEN });
  const dir = mkdtempSync(join(tmpdir(), "github-webhook-"));
  const stack = await startTaskStack({
    githubToken: TOKEN,
    githubApiUrl: github.url,
    githubPollMs: 0,
    githubRepos: [{ repo: "acme/widgets", cwd: join(dir, "w") }]
  });
  try {
    const issue = github.addIssue({ owner: "acme", repo: "widgets", title: "t", labels: ["baa"] });
    const refused = await deliver(stack.conductorBase, issuesEvent(github, "opened", issue));
    assert.equal(refused.status, 401);
    await eventually(
      async () => ((await githubStatus(stack.conductorBase)).webhook.refused === 1 ? true : null),
      "refusal counted"
    );
    assert.deepEqual(await issueTasks(stack.conductorBase, issue.number), []);
  } finally {
    await stack.stop();
    await github.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
