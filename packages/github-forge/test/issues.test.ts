import assert from "node:assert/strict";
import test from "node:test";
import { startFakeGitHub } from "../../../tests/support/fake-github.js";
import { createGitHubForge, ForgeError } from "../src/index.js";

const token = "github_pat_11AAissuesLISTtoken";

test("listIssues: labelled open issues, pull requests left out, every page walked, then 304 by ETag", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 1 });
    const wanted = [1, 2, 3].map((n) =>
      github.addIssue({
        owner: "acme",
        repo: "widgets",
        title: `Issue ${n}`,
        body: `body ${n}`,
        labels: ["baa", "bug"]
      })
    );
    github.addIssue({ owner: "acme", repo: "widgets", title: "unlabelled" });
    github.addIssue({ owner: "acme", repo: "widgets", title: "closed", labels: ["baa"], state: "closed" });
    await forge.openOrUpdatePullRequest({
      owner: "acme",
      repo: "widgets",
      head: "baa/x",
      base: "main",
      title: "a pull request"
    });

    const first = await forge.listIssues({ owner: "acme", repo: "widgets", labels: ["baa"], perPage: 2 });
    assert.equal(first.notModified, false);
    if (first.notModified) return;
    assert.equal(first.complete, true);
    assert.deepEqual(
      first.issues.map((issue) => issue.number).sort(),
      wanted.map((issue) => issue.number).sort()
    );
    const one = first.issues.find((issue) => issue.number === wanted[0]!.number)!;
    assert.equal(one.title, "Issue 1");
    assert.equal(one.body, "body 1");
    assert.deepEqual(one.labels, ["baa", "bug"]);
    assert.match(one.url, /\/acme\/widgets\/issues\/1$/);
    assert.equal(first.rateLimit.remaining, 4999);
    assert.ok(first.etag);
    const listCalls = github.requests.filter((r) => r.path.endsWith("/issues"));
    assert.deepEqual(
      listCalls.map((r) => r.query.page),
      ["1", "2"]
    );
    assert.equal(listCalls[0]!.query.labels, "baa");
    assert.equal(listCalls[0]!.query.sort, "updated");

    const again = await forge.listIssues({
      owner: "acme",
      repo: "widgets",
      labels: ["baa"],
      perPage: 2,
      etag: first.etag
    });
    assert.equal(again.notModified, true);
    assert.equal(github.requests.at(-1)!.headers["if-none-match"], first.etag);

    github.updateIssue(wanted[0]!, { title: "Issue 1, edited" });
    const changed = await forge.listIssues({
      owner: "acme",
      repo: "widgets",
      labels: ["baa"],
      perPage: 2,
      etag: first.etag
    });
    assert.equal(changed.notModified, false);
  } finally {
    await github.close();
  }
});

test("listIssues: a rate limit with no retries left is a ForgeError carrying Retry-After and the reset time", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 1, throttle: { retries: 0 } });
    const reset = Math.floor(Date.now() / 1000) + 30;
    github.failNext(
      { method: "GET", path: /\/issues$/ },
      {
        status: 403,
        body: { message: "API rate limit exceeded" },
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset), "retry-after": "7" }
      }
    );
    const error = await forge.listIssues({ owner: "acme", repo: "widgets" }).then(
      () => assert.fail("expected a rate limit"),
      (thrown: unknown) => thrown
    );
    assert.ok(error instanceof ForgeError);
    assert.equal(error.rateLimited, true);
    assert.equal(error.retryAfterSeconds, 7);
    assert.equal(error.rateLimit?.remaining, 0);
    assert.equal(error.rateLimit?.resetAt, new Date(reset * 1000).toISOString());
  } finally {
    await github.close();
  }
});

test("listIssueComments: every comment of an issue, with its page", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 1 });
    const issue = github.addIssue({ owner: "acme", repo: "widgets", title: "t" });
    await forge.commentOnIssue({ owner: "acme", repo: "widgets", issueNumber: issue.number, body: "first" });
    await forge.commentOnIssue({ owner: "acme", repo: "widgets", issueNumber: issue.number, body: "second" });
    const comments = await forge.listIssueComments({
      owner: "acme",
      repo: "widgets",
      issueNumber: issue.number
    });
    assert.deepEqual(
      comments.map((c) => c.body),
      ["first", "second"]
    );
    assert.match(comments[0]!.url, /#issuecomment-\d+$/);
  } finally {
    await github.close();
  }
});
