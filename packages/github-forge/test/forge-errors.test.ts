import assert from "node:assert/strict";
import test from "node:test";
import { startFakeGitHub } from "../../../tests/support/fake-github.js";
import { createGitHubForge, ForgeError } from "../src/index.js";
import { captureLogger } from "./support/capture-logger.js";

const token = "github_pat_11AAsecretVALUEnever2leak";
const pr = { owner: "acme", repo: "widgets", head: "baa/task-9", base: "main", title: "Fix" };

test("422 becomes a ForgeError carrying GitHub's message and errors[].message", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 1 });
    github.failNext(
      { method: "POST", path: "/repos/acme/widgets/pulls" },
      {
        status: 422,
        body: {
          message: "Validation Failed",
          errors: [
            { resource: "PullRequest", code: "custom", message: "No commits between main and baa/task-9" },
            { resource: "PullRequest", field: "base", code: "invalid" }
          ],
          documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"
        }
      }
    );
    const error = await forge.openOrUpdatePullRequest(pr).then(
      () => assert.fail("expected a ForgeError"),
      (thrown: unknown) => thrown
    );
    assert.ok(error instanceof ForgeError);
    assert.equal(error.status, 422);
    assert.equal(error.operation, "pulls.create");
    assert.equal(
      error.message,
      "GitHub pulls.create failed (422): Validation Failed: No commits between main and baa/task-9: PullRequest.base invalid"
    );
    assert.equal(error.githubMessage, "Validation Failed");
    assert.deepEqual(error.details, ["No commits between main and baa/task-9", "PullRequest.base invalid"]);
    assert.match(String(error.requestId), /^FAKE:/);
    assert.equal(
      github.requests.filter((request) => request.method === "POST").length,
      1,
      "422 is not retried"
    );
  } finally {
    await github.close();
  }
});

test("the fake's own 'already exists' answer reads as GitHub's", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 1 });
    await forge.openOrUpdatePullRequest(pr);
    // Every list hides the open pull request, so the forge cannot recover by updating it.
    github.failNext({ method: "GET" }, { status: 200, body: [], times: 2 });
    await assert.rejects(forge.openOrUpdatePullRequest(pr), {
      name: "ForgeError",
      status: 422,
      message:
        "GitHub pulls.create failed (422): Validation Failed: A pull request already exists for acme:baa/task-9."
    });
  } finally {
    await github.close();
  }
});

test("a 500 is retried and the call then succeeds", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 1 });
    github.failNext(
      { method: "POST", path: "/repos/acme/widgets/pulls" },
      { status: 500, body: { message: "Server Error" } }
    );
    const result = await forge.openOrUpdatePullRequest(pr);
    assert.equal(result.created, true);
    assert.deepEqual(
      github.requests.map((request) => request.method),
      ["GET", "POST", "POST"]
    );
  } finally {
    await github.close();
  }
});

test("retries are bounded: a lasting 502 fails after 1 + retries requests", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 1, retries: 2 });
    github.failNext({ method: "GET" }, { status: 502, body: { message: "Bad Gateway" }, times: 100 });
    await assert.rejects(forge.openOrUpdatePullRequest(pr), {
      name: "ForgeError",
      status: 502,
      message: "GitHub pulls.list failed (502): Bad Gateway"
    });
    assert.equal(github.requests.length, 3);
  } finally {
    await github.close();
  }
});

test("no answer at all is a ForgeError with status null naming the cause", async () => {
  const github = await startFakeGitHub({ token });
  const url = github.url;
  await github.close();
  const forge = createGitHubForge({ token, apiUrl: url, delayUnitMs: 1, retries: 1 });
  const error = await forge.openOrUpdatePullRequest(pr).then(
    () => assert.fail("expected a ForgeError"),
    (thrown: unknown) => thrown
  );
  assert.ok(error instanceof ForgeError);
  assert.equal(error.status, null);
  assert.match(error.message, /^GitHub pulls\.list failed \(no answer\): .*ECONNREFUSED/);
});

test("a call that outlives timeoutMs fails with status null, retries included", {
  timeout: 10_000
}, async () => {
  const github = await startFakeGitHub({ token });
  try {
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 1, timeoutMs: 200 });
    // Only the first GET stalls: a retry that got a fresh deadline would be answered and succeed.
    github.failNext({ method: "GET" }, { status: 0, stall: true });
    const error = await forge.openOrUpdatePullRequest(pr).then(
      () => assert.fail("expected a ForgeError"),
      (thrown: unknown) => thrown as ForgeError
    );
    assert.equal(error.status, null);
    assert.match(error.message, /^GitHub pulls\.list failed \(no answer\): .*timeout/);
    assert.deepEqual(
      github.requests.map((request) => `${request.method} ${request.path}`),
      ["GET /repos/acme/widgets/pulls"],
      "the deadline ends the call, the retries do not restart it"
    );
  } finally {
    await github.close();
  }
});

test("401 when the token is wrong, and neither token reaches the error", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const wrong = "ghp_WRONGtokenXYZ123456";
    const { logger, text } = captureLogger();
    const forge = createGitHubForge({ token: wrong, apiUrl: github.url, delayUnitMs: 1, logger });
    const error = await forge.openOrUpdatePullRequest(pr).then(
      () => assert.fail("expected a ForgeError"),
      (thrown: unknown) => thrown as ForgeError
    );
    assert.equal(error.status, 401);
    assert.equal(error.message, "GitHub pulls.list failed (401): Bad credentials");
    assert.equal(github.requests.length, 1, "401 is not retried");
    assert.equal(github.requests[0]?.headers.authorization, `token ${wrong}`, "the token did go to GitHub");
    for (const secret of [wrong, token]) {
      assert.ok(!String(error.stack).includes(secret));
      assert.ok(!JSON.stringify(error).includes(secret));
      assert.ok(!text().includes(secret));
    }
  } finally {
    await github.close();
  }
});

test("the token never appears in the error, its stack, or anything logged, even when echoed", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const { logger, lines, text } = captureLogger();
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 1, logger });
    // A proxy in front of an Enterprise host that echoes the header back.
    github.failNext(
      { method: "GET" },
      { status: 500, body: { message: `upstream refused authorization: token ${token}` }, times: 3 }
    );
    github.failNext(
      { method: "POST" },
      {
        status: 422,
        body: { message: `Validation Failed`, errors: [`bad token ${token}`, { message: `field ${token}` }] }
      }
    );
    const listError = await forge.openOrUpdatePullRequest(pr).then(
      () => assert.fail("expected a ForgeError"),
      (thrown: unknown) => thrown as ForgeError
    );
    const createError = await forge.openOrUpdatePullRequest(pr).then(
      () => assert.fail("expected a ForgeError"),
      (thrown: unknown) => thrown as ForgeError
    );
    assert.equal(
      listError.message,
      "GitHub pulls.list failed (500): upstream refused authorization: token [redacted]"
    );
    assert.equal(
      createError.message,
      "GitHub pulls.create failed (422): Validation Failed: bad token [redacted]: field [redacted]"
    );
    assert.ok(lines.length >= 5, `octokit's request lines and the failures were logged (${lines.length})`);
    for (const error of [listError, createError]) {
      assert.ok(!String(error.stack).includes(token));
      assert.ok(!JSON.stringify(error).includes(token));
      assert.ok(!JSON.stringify(Object.getOwnPropertyDescriptors(error)).includes(token));
    }
    assert.ok(!text().includes(token), text());
  } finally {
    await github.close();
  }
});
