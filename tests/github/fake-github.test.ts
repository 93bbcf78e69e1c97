import assert from "node:assert/strict";
import test from "node:test";
import { startFakeGitHub } from "../support/fake-github.js";
import { request } from "../support/http.js";

const token = "ghp_fakeGitHubOwnTest";
const auth = { authorization: `Bearer ${token}` };

test("refuses a missing or wrong token with 401, accepts `token X` and `Bearer X`", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const url = `${github.url}/repos/o/r/pulls`;
    assert.equal((await request("GET", url)).status, 401);
    const wrong = await request("GET", url, undefined, { authorization: "token nope" });
    assert.deepEqual([wrong.status, wrong.body.message], [401, "Bad credentials"]);
    assert.equal((await request("GET", url, undefined, { authorization: `token ${token}` })).status, 200);
    assert.equal((await request("GET", url, undefined, auth)).status, 200);
  } finally {
    await github.close();
  }
});

test("lists issues by state and labels, pull requests among them, newest first", async () => {
  const github = await startFakeGitHub({ token });
  try {
    github.addIssue({ owner: "o", repo: "r", title: "one", labels: ["baa", "bug"] });
    github.addIssue({ owner: "o", repo: "r", title: "two", labels: ["bug"] });
    github.addIssue({ owner: "o", repo: "r", title: "three", labels: ["baa"], state: "closed" });
    github.addIssue({ owner: "other", repo: "r", title: "elsewhere", labels: ["baa"] });
    await request(
      "POST",
      `${github.url}/repos/o/r/pulls`,
      { title: "pr", head: "feature", base: "main" },
      auth
    );

    const titles = async (query: string) =>
      (await request("GET", `${github.url}/repos/o/r/issues${query}`, undefined, auth)).body.map(
        (issue: any) => issue.title
      );
    assert.deepEqual(await titles(""), ["pr", "two", "one"]);
    assert.deepEqual(await titles("?labels=baa"), ["one"]);
    assert.deepEqual(await titles("?labels=baa,bug"), ["one"]);
    assert.deepEqual(await titles("?labels=baa&state=all"), ["three", "one"]);
    assert.deepEqual(await titles("?state=closed"), ["three"]);
    const listed = (await request("GET", `${github.url}/repos/o/r/issues`, undefined, auth)).body;
    assert.equal(listed[0].number, 4, "pull requests and issues share one number sequence per repository");
    assert.equal(listed[0].pull_request.html_url, `${github.webUrl}/o/r/pull/4`);
    assert.deepEqual(
      listed[2].labels.map((label: any) => label.name),
      ["baa", "bug"]
    );
  } finally {
    await github.close();
  }
});

test("answers If-None-Match with 304 until the list changes", async () => {
  const github = await startFakeGitHub({ token });
  try {
    github.addIssue({ owner: "o", repo: "r", title: "one", labels: ["baa"] });
    const url = `${github.url}/repos/o/r/issues?labels=baa`;
    const first = await request("GET", url, undefined, auth);
    const etag = first.headers.get("etag");
    assert.ok(etag);
    const again = await request("GET", url, undefined, { ...auth, "if-none-match": etag });
    assert.deepEqual([again.status, again.text], [304, ""]);
    github.addIssue({ owner: "o", repo: "r", title: "two", labels: ["baa"] });
    const changed = await request("GET", url, undefined, { ...auth, "if-none-match": etag });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get("etag"), etag);
  } finally {
    await github.close();
  }
});

test("pages lists with per_page and a Link header", async () => {
  const github = await startFakeGitHub({ token });
  try {
    for (let index = 0; index < 3; index++)
      github.addIssue({ owner: "o", repo: "r", title: `issue ${index}` });
    const first = await request("GET", `${github.url}/repos/o/r/issues?per_page=2`, undefined, auth);
    assert.equal(first.body.length, 2);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get("link") ?? "")?.[1];
    assert.ok(next);
    const second = await request("GET", next, undefined, auth);
    assert.deepEqual([second.body.length, second.headers.get("link")], [1, null]);
  } finally {
    await github.close();
  }
});

test("pull requests: create, duplicate refused, read, update, comment; errors injected once", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const base = `${github.url}/repos/o/r`;
    const created = await request(
      "POST",
      `${base}/pulls`,
      { title: "t", head: "b", base: "main", draft: true },
      auth
    );
    assert.equal(created.status, 201);
    assert.deepEqual(
      [
        created.body.number,
        created.body.html_url,
        created.body.head.ref,
        created.body.head.label,
        created.body.base.ref,
        created.body.state,
        created.body.draft
      ],
      [1, `${github.webUrl}/o/r/pull/1`, "b", "o:b", "main", "open", true]
    );
    const duplicate = await request("POST", `${base}/pulls`, { title: "t", head: "b", base: "main" }, auth);
    assert.equal(duplicate.status, 422);
    assert.equal(duplicate.body.errors[0].message, "A pull request already exists for o:b.");
    const missing = await request("POST", `${base}/pulls`, { head: "c" }, auth);
    assert.deepEqual(
      missing.body.errors.map((error: any) => error.field),
      ["title", "base"]
    );

    const updated = await request("PATCH", `${base}/pulls/1`, { title: "t2", body: "b2" }, auth);
    assert.deepEqual([updated.body.title, updated.body.body], ["t2", "b2"]);
    assert.equal((await request("GET", `${base}/pulls/1`, undefined, auth)).body.title, "t2");
    assert.equal((await request("GET", `${base}/pulls/9`, undefined, auth)).status, 404);

    const comment = await request("POST", `${base}/issues/1/comments`, { body: "hello" }, auth);
    assert.equal(comment.status, 201);
    assert.equal(comment.body.html_url, `${github.webUrl}/o/r/pull/1#issuecomment-${comment.body.id}`);
    const comments = await request("GET", `${base}/issues/1/comments`, undefined, auth);
    assert.deepEqual(
      comments.body.map((entry: any) => entry.body),
      ["hello"]
    );

    github.failNext(
      { method: "GET", path: /\/pulls$/ },
      { status: 503, body: { message: "down" }, headers: { "retry-after": "1" } }
    );
    const failed = await request("GET", `${base}/pulls`, undefined, auth);
    assert.deepEqual(
      [failed.status, failed.body.message, failed.headers.get("retry-after")],
      [503, "down", "1"]
    );
    assert.equal(
      (await request("GET", `${base}/pulls`, undefined, auth)).status,
      200,
      "the failure was used up"
    );
    assert.equal(github.requests.at(-1)?.query.state, undefined);
    assert.equal(github.requests.length, 10);
  } finally {
    await github.close();
  }
});

test("under a path prefix only prefixed paths are served", async () => {
  const github = await startFakeGitHub({ pathPrefix: "/api/v3/" });
  try {
    assert.equal(github.url, `${github.webUrl}/api/v3`);
    assert.equal((await request("GET", `${github.url}/repos/o/r/pulls`)).status, 200);
    assert.equal((await request("GET", `${github.webUrl}/repos/o/r/pulls`)).status, 404);
  } finally {
    await github.close();
  }
});
