import assert from "node:assert/strict";
import test from "node:test";
import { startFakeGitHub } from "../../../tests/support/fake-github.js";
import { createGitHubForge, ForgeError } from "../src/index.js";

const token = "github_pat_11AAtestTOKENvalue";

test("opens a pull request, then a second call updates the same one", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 1 });
    const first = await forge.openOrUpdatePullRequest({
      owner: "acme",
      repo: "widgets",
      head: "baa/task-1",
      base: "main",
      title: "Add widgets",
      body: "round 1"
    });
    assert.deepEqual(first, { number: 1, url: `${github.webUrl}/acme/widgets/pull/1`, created: true });
    const create = github.requests.find((request) => request.method === "POST");
    assert.equal(create?.path, "/repos/acme/widgets/pulls");
    assert.deepEqual(create?.body, {
      head: "baa/task-1",
      base: "main",
      title: "Add widgets",
      body: "round 1"
    });
    assert.match(String(create?.headers["user-agent"]), /^baa-conductor /);

    const second = await forge.openOrUpdatePullRequest({
      owner: "acme",
      repo: "widgets",
      head: "baa/task-1",
      base: "main",
      title: "Add widgets (revised)"
    });
    assert.deepEqual(second, { number: 1, url: first.url, created: false });
    assert.equal(github.pulls.length, 1);
    assert.equal(github.pulls[0]?.title, "Add widgets (revised)");
    assert.equal(github.pulls[0]?.body, "round 1", "an update without body keeps the body");
    const lists = github.requests.filter((request) => request.method === "GET");
    assert.deepEqual(lists.at(-1)?.query, {
      head: "acme:baa/task-1",
      base: "main",
      state: "open",
      per_page: "10"
    });
    assert.deepEqual(
      github.requests.map((request) => `${request.method} ${request.path}`),
      [
        "GET /repos/acme/widgets/pulls",
        "POST /repos/acme/widgets/pulls",
        "GET /repos/acme/widgets/pulls",
        "PATCH /repos/acme/widgets/pulls/1"
      ]
    );
  } finally {
    await github.close();
  }
});

test("a closed pull request for the branch is not reused: a new one is opened", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 1 });
    await forge.openOrUpdatePullRequest({
      owner: "acme",
      repo: "widgets",
      head: "baa/t",
      base: "main",
      title: "one"
    });
    github.pulls[0]!.state = "closed";
    const again = await forge.openOrUpdatePullRequest({
      owner: "acme",
      repo: "widgets",
      head: "baa/t",
      base: "main",
      title: "two"
    });
    assert.deepEqual([again.number, again.created], [2, true]);
  } finally {
    await github.close();
  }
});

test("draft is passed on creation", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 1 });
    await forge.openOrUpdatePullRequest({
      owner: "acme",
      repo: "widgets",
      head: "baa/t2",
      base: "main",
      title: "Draft it",
      draft: true
    });
    assert.equal(github.requests.find((request) => request.method === "POST")?.body.draft, true);
    assert.equal(github.pulls[0]?.draft, true);
  } finally {
    await github.close();
  }
});

test("a create refused as 'already exists' (a race) updates the pull request that won", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 1 });
    await forge.openOrUpdatePullRequest({
      owner: "acme",
      repo: "widgets",
      head: "baa/t3",
      base: "main",
      title: "first lander"
    });
    // The second lander's list runs before the first lander's create is visible.
    github.failNext({ method: "GET", path: "/repos/acme/widgets/pulls" }, { status: 200, body: [] });
    const second = await forge.openOrUpdatePullRequest({
      owner: "acme",
      repo: "widgets",
      head: "baa/t3",
      base: "main",
      title: "second lander"
    });
    assert.deepEqual([second.number, second.created], [1, false]);
    assert.equal(github.pulls.length, 1);
    assert.equal(github.pulls[0]?.title, "second lander");
  } finally {
    await github.close();
  }
});

test("a GitHub Enterprise API URL keeps its /api/v3 path prefix", async () => {
  const github = await startFakeGitHub({ token, pathPrefix: "/api/v3" });
  try {
    assert.match(github.url, /\/api\/v3$/);
    const forge = createGitHubForge({ token, apiUrl: `${github.url}/`, delayUnitMs: 1 });
    const result = await forge.openOrUpdatePullRequest({
      owner: "corp",
      repo: "tool",
      head: "baa/t4",
      base: "develop",
      title: "Enterprise"
    });
    assert.equal(result.created, true);
    assert.ok(github.requests.length >= 2);
    for (const request of github.requests)
      assert.ok(request.path.startsWith("/api/v3/repos/corp/tool/pulls"), request.path);

    const rootForge = createGitHubForge({ token, apiUrl: github.webUrl, retries: 0 });
    await assert.rejects(
      rootForge.openOrUpdatePullRequest({
        owner: "corp",
        repo: "tool",
        head: "baa/t4",
        base: "develop",
        title: "no prefix"
      }),
      (error: unknown) =>
        error instanceof ForgeError && error.status === 404 && /Not Found/.test(error.message)
    );
  } finally {
    await github.close();
  }
});

test("comments on an issue or pull request and returns the comment's id and page", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 1 });
    const issue = github.addIssue({ owner: "acme", repo: "widgets", title: "Bug", labels: ["baa"] });
    const comment = await forge.commentOnIssue({
      owner: "acme",
      repo: "widgets",
      issueNumber: issue.number,
      body: "Landed in #2"
    });
    assert.deepEqual(comment, {
      id: github.comments[0]!.id,
      url: `${github.webUrl}/acme/widgets/issues/1#issuecomment-${github.comments[0]!.id}`
    });
    assert.equal(github.comments[0]?.body, "Landed in #2");
    await assert.rejects(
      forge.commentOnIssue({ owner: "acme", repo: "widgets", issueNumber: 99, body: "nobody home" }),
      (error: unknown) =>
        error instanceof ForgeError && error.status === 404 && error.operation === "issues.createComment"
    );
  } finally {
    await github.close();
  }
});
