import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";
import { startFakeGitHub, type FakeGitHub, type FakeIssue } from "../support/fake-github.js";
import { eventually, postJson } from "../support/http.js";
import { makeGitRepo, startTaskStack } from "../support/task-stack.js";
import { deliver, githubStatus, issuesEvent, issueTasks, SECRET, TOKEN } from "./github-helpers.js";

const listCalls = (github: FakeGitHub) =>
  github.requests.filter((r) => r.method === "GET" && r.path === "/repos/acme/widgets/issues");

test("poll intake: a labelled issue becomes one task (with the webhook on too), edits follow, unlabel cancels, 304s cost nothing", async () => {
  const github = await startFakeGitHub({ token: TOKEN });
  const dir = mkdtempSync(join(tmpdir(), "github-poll-"));
  const repo = makeGitRepo(join(dir, "widgets"));
  const stack = await startTaskStack({
    githubToken: TOKEN,
    githubApiUrl: github.url,
    githubWebhookSecret: SECRET,
    githubPollMs: 100,
    githubRepos: [{ repo: "acme/widgets", cwd: repo, label: "agent", review: "none" }]
  });
  try {
    const base = stack.conductorBase;
    assert.equal((await postJson(`${base}/v1/system/pause`, {})).status, 200);
    github.addIssue({ owner: "acme", repo: "widgets", title: "Not for the agent", labels: ["bug"] });
    const issue = github.addIssue({
      owner: "acme",
      repo: "widgets",
      title: "Tidy the README",
      body: "Too long.",
      labels: ["agent", "docs"]
    });

    const [task] = await eventually(async () => {
      const found = await issueTasks(base, issue.number);
      return found.length > 0 ? found : null;
    }, "the issue became a task by polling");
    assert.equal(task.title, "Tidy the README");
    assert.equal(task.review, "none");
    assert.equal(listCalls(github)[0]?.query.labels, "agent");
    // The webhook about the same issue, with both intakes on: still one task.
    const opened = await deliver(base, issuesEvent(github, "opened", issue));
    assert.equal(opened.status, 200, opened.text);
    assert.equal(opened.body.data.outcome.taskId, task.taskId);
    assert.equal((await issueTasks(base, issue.number)).length, 1);

    // Nothing changed: the next polls are answered 304 from the ETag.
    const before = listCalls(github).length;
    await eventually(async () => (listCalls(github).length >= before + 2 ? true : null), "two more polls");
    assert.ok(
      listCalls(github)
        .slice(before)
        .some((r) => r.headers["if-none-match"] !== undefined),
      "asked with the ETag"
    );
    const polled = (await githubStatus(base)).polling[0];
    assert.equal(polled.repo, "acme/widgets");
    assert.equal(polled.label, "agent");
    assert.equal(polled.issues, 1);
    assert.equal(polled.waiting, null);

    // Edited on GitHub: the queued task's prompt follows at the next poll.
    github.updateIssue(issue, { body: "Too long: cut it to one page." });
    await stack.waitTask(
      task.taskId,
      (t) => /cut it to one page/.test(t.prompt),
      "prompt follows the edit",
      20_000
    );
    // The label removed: cancelled.
    github.updateIssue(issue, { labels: ["docs"] });
    const cancelled = await stack.waitTask(
      task.taskId,
      (t) => t.state === "cancelled",
      "cancelled after unlabel",
      20_000
    );
    assert.match(
      cancelled.stateReason,
      /^github: issue acme\/widgets#2 is closed or no longer has the label "agent"$/
    );
    assert.equal((await issueTasks(base, issue.number)).length, 1);
    assert.deepEqual(await issueTasks(base, 1), [], "the unlabelled issue never became a task");
  } finally {
    await stack.stop();
    await github.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A 403 rate-limit answer: the intake waits until the reset (the status says so), then makes the task. */
async function rateLimitWaitsThenCatchesUp(
  github: FakeGitHub,
  base: string
): Promise<{ issue: FakeIssue; task: any }> {
  const resetSeconds = Math.floor(Date.now() / 1000) + 2;
  github.failNext(
    { method: "GET", path: "/repos/acme/widgets/issues" },
    {
      status: 403,
      body: { message: "API rate limit exceeded for user ID 4242." },
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(resetSeconds) }
    }
  );
  const issue = github.addIssue({
    owner: "acme",
    repo: "widgets",
    title: "After the limit",
    labels: ["baa"]
  });
  const waiting = await eventually(async () => {
    const status = await githubStatus(base);
    return status.polling[0].waiting?.reason === "rate_limited" ? status.polling[0].waiting : null;
  }, "the status says it waits for the rate limit");
  assert.ok(Date.parse(waiting.until) >= resetSeconds * 1000, `waits until the reset: ${waiting.until}`);
  assert.match(waiting.message, /rate limit/i);
  const refusedAt = listCalls(github).length;
  // While it waits it asks nothing.
  assert.deepEqual(await issueTasks(base, issue.number), []);
  const [task] = await eventually(
    async () => {
      const found = await issueTasks(base, issue.number);
      return found.length > 0 ? found : null;
    },
    "caught up after the reset",
    20_000
  );
  const resumed = listCalls(github).slice(refusedAt);
  assert.ok(resumed.length >= 1);
  assert.ok(resumed[0]!.receivedAt >= resetSeconds * 1000, "no list call before the reset");
  assert.equal((await githubStatus(base)).polling[0].waiting, null);
  assert.equal((await issueTasks(base, issue.number)).length, 1);
  return { issue, task };
}

/** GitHub down (5xx, after the forge's own retries): the intake backs off and says so; nothing lost. */
async function backsOffWhileDown(github: FakeGitHub, base: string, issue: FakeIssue, task: any) {
  github.failNext(
    { method: "GET", path: "/repos/acme/widgets/issues" },
    { status: 502, body: { message: "Bad Gateway" }, times: 3 }
  );
  const second = github.addIssue({
    owner: "acme",
    repo: "widgets",
    title: "After the outage",
    labels: ["baa"]
  });
  await eventually(
    async () => ((await githubStatus(base)).polling[0].waiting?.reason === "unavailable" ? true : null),
    "unavailable shown",
    30_000
  );
  await eventually(
    async () => ((await issueTasks(base, second.number)).length === 1 ? true : null),
    "caught up after the outage",
    30_000
  );
  assert.equal((await issueTasks(base, issue.number))[0].taskId, task.taskId);
}

test("poll intake: a rate-limit answer makes it wait (shown in the status), then it catches up; a 5xx backs off", async () => {
  const github = await startFakeGitHub({ token: TOKEN });
  const dir = mkdtempSync(join(tmpdir(), "github-poll-"));
  const repo = makeGitRepo(join(dir, "widgets"));
  const stack = await startTaskStack({
    githubToken: TOKEN,
    githubApiUrl: github.url,
    githubPollMs: 100,
    githubRepos: [{ repo: "acme/widgets", cwd: repo }]
  });
  try {
    const base = stack.conductorBase;
    await postJson(`${base}/v1/system/pause`, {});
    await eventually(
      async () => ((await githubStatus(base)).polling[0].lastPolledAt !== null ? true : null),
      "first poll"
    );
    const { issue, task } = await rateLimitWaitsThenCatchesUp(github, base);

    // GitHub down (5xx, after the forge's own retries): the intake backs off and says so; nothing lost.
    await backsOffWhileDown(github, base, issue, task);
  } finally {
    await stack.stop();
    await github.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
