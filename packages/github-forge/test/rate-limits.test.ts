import assert from "node:assert/strict";
import test from "node:test";
import { startFakeGitHub } from "../../../tests/support/fake-github.js";
import { createGitHubForge, ForgeError } from "../src/index.js";
import { captureLogger } from "./support/capture-logger.js";

const token = "github_pat_11AArateLIMITtoken";
const pr = { owner: "acme", repo: "widgets", head: "baa/task-r", base: "main", title: "Rate" };
const unixSeconds = (offsetSeconds: number) => String(Math.floor(Date.now() / 1000) + offsetSeconds);

const primaryLimit = (resetInSeconds: number, times = 1) => ({
  status: 403,
  body: {
    message: "API rate limit exceeded for user ID 4242.",
    documentation_url: "https://docs.github.com/rest/rate-limit"
  },
  headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": unixSeconds(resetInSeconds) },
  times
});

test("a primary rate limit is waited out (scaled) and retried, and logged", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const { logger, lines } = captureLogger();
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 5, logger });
    github.failNext({ method: "GET" }, primaryLimit(1));
    const result = await forge.openOrUpdatePullRequest(pr);
    assert.equal(result.created, true);
    assert.deepEqual(
      github.requests.map((request) => request.method),
      ["GET", "GET", "POST"]
    );
    const warning = lines.find((line) => line.message === "github rate limit");
    assert.equal(warning?.level, "warn");
    assert.equal(warning?.fields.kind, "primary");
    assert.equal(warning?.fields.willRetry, true);
    assert.equal(warning?.fields.route, "/repos/{owner}/{repo}/pulls");
  } finally {
    await github.close();
  }
});

test("a secondary rate limit honours Retry-After and is retried", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const { logger, lines } = captureLogger();
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 5, logger });
    github.failNext(
      { method: "POST" },
      {
        status: 403,
        body: {
          message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
        },
        headers: { "retry-after": "1" }
      }
    );
    const result = await forge.openOrUpdatePullRequest(pr);
    assert.equal(result.created, true);
    assert.deepEqual(
      github.requests.map((request) => request.method),
      ["GET", "POST", "POST"]
    );
    const warning = lines.find((line) => line.message === "github rate limit");
    assert.deepEqual([warning?.fields.kind, warning?.fields.retryAfterSeconds], ["secondary", 1]);
  } finally {
    await github.close();
  }
});

test("rate-limit retries stop after two, then the 403 is a ForgeError", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const { logger, lines } = captureLogger();
    const forge = createGitHubForge({
      token,
      apiUrl: github.url,
      delayUnitMs: 1,
      logger,
      throttle: { retries: 5 }
    });
    github.failNext({ method: "GET" }, primaryLimit(1, 100));
    const error = await forge.openOrUpdatePullRequest(pr).then(
      () => assert.fail("expected a ForgeError"),
      (thrown: unknown) => thrown as ForgeError
    );
    assert.ok(error instanceof ForgeError);
    assert.equal(error.status, 403);
    assert.equal(error.rateLimited, true);
    assert.equal(error.message, "GitHub pulls.list failed (403): API rate limit exceeded for user ID 4242.");
    assert.equal(github.requests.length, 3, "asked for 5 retries, capped at 2");
    const warnings = lines.filter((line) => line.message === "github rate limit");
    assert.deepEqual(
      warnings.map((line) => line.fields.willRetry),
      [true, true, false]
    );
  } finally {
    await github.close();
  }
});

test("a lasting 429 secondary limit is retried twice in all, not by both plugins", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 1 });
    github.failNext(
      { method: "GET" },
      {
        status: 429,
        body: { message: "You have exceeded a secondary rate limit." },
        headers: { "retry-after": "1" },
        times: 100
      }
    );
    await assert.rejects(forge.openOrUpdatePullRequest(pr), {
      name: "ForgeError",
      status: 429,
      rateLimited: true
    });
    assert.equal(github.requests.length, 3);
  } finally {
    await github.close();
  }
});

test("a rate limit that resets later than maxWaitSeconds fails at once", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const forge = createGitHubForge({
      token,
      apiUrl: github.url,
      delayUnitMs: 1,
      throttle: { maxWaitSeconds: 60 }
    });
    github.failNext({ method: "GET" }, primaryLimit(3600));
    await assert.rejects(forge.openOrUpdatePullRequest(pr), {
      name: "ForgeError",
      status: 403,
      rateLimited: true
    });
    assert.equal(github.requests.length, 1);
  } finally {
    await github.close();
  }
});

test("writes to one host with one token are spaced by one delay unit", async () => {
  const github = await startFakeGitHub({ token });
  try {
    const forge = createGitHubForge({ token, apiUrl: github.url, delayUnitMs: 120 });
    await forge.openOrUpdatePullRequest(pr);
    await forge.openOrUpdatePullRequest({ ...pr, title: "Rate (2)" });
    const writes = github.requests.filter((request) => request.method !== "GET");
    assert.deepEqual(
      writes.map((request) => request.method),
      ["POST", "PATCH"]
    );
    const gap = writes[1]!.receivedAt - writes[0]!.receivedAt;
    assert.ok(gap >= 110, `PATCH came ${gap} ms after POST`);
  } finally {
    await github.close();
  }
});
