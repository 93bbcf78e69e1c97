import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import test from "node:test";
import { ManualTimers } from "@baa/clock/testing";
import { openControlStore, type ControlStore } from "@baa/control-store";
import { createGitHubForge } from "@baa/github-forge";
import { makeTempDir } from "@baa/test-support";
import Fastify from "fastify";
import { Registry } from "prom-client";
import { startFakeGitHub, type FakeGitHub } from "../../../../tests/support/fake-github.js";
import { GitHubService } from "../../src/github/github-service.js";
import { GITHUB_HOOK_PATH } from "../../src/github/hook-path.js";
import { createSilentLogger } from "../../src/logger.js";
import { registerGitHubMetrics } from "../../src/metrics/github-metrics.js";
import { sample } from "../helpers/metric-text.js";

const TOKEN = "ghp_metrics_unit_token";
const SECRET = "webhook-secret-for-the-metrics-test";
const POLL_MS = 1_000;

/** A leader's GitHub service on a SQLite store and the fake GitHub, counting into its own registry. */
async function setup(t: test.TestContext) {
  const dir = makeTempDir("github-metrics-");
  const timers = new ManualTimers({ epochMs: Date.parse("2030-01-01T00:00:00.000Z") });
  const store: ControlStore = await openControlStore({ stateDir: dir.root, now: () => timers.wallNow() });
  const github: FakeGitHub = await startFakeGitHub({ token: TOKEN });
  const registry = new Registry();
  const service = new GitHubService({
    config: {
      githubRepos: [{ repo: "acme/widgets", cwd: dir.root, label: "baa" }],
      githubToken: TOKEN,
      githubApiUrl: github.url,
      githubPollMs: POLL_MS,
      githubWebhookSecret: SECRET
    },
    store,
    scheduler: { wake: () => {}, cancel: () => false },
    diff: async () => ({ files: [], additions: 0, deletions: 0 }) as never,
    isLeader: () => true,
    timers,
    logger: createSilentLogger(),
    forge: createGitHubForge({
      token: TOKEN,
      apiUrl: github.url,
      delayUnitMs: 1,
      retries: 0,
      throttle: { retries: 0 }
    }),
    counts: registerGitHubMetrics(registry)
  });
  const app = Fastify();
  service.registerRoutes(app);
  await app.ready();
  t.after(async () => {
    await app.close();
    await store.close();
    await github.close();
    dir.remove();
  });
  let deliveries = 0;
  const deliver = (
    payload: unknown,
    options: { event?: string; delivery?: string; secret?: string } = {}
  ) => {
    const body = typeof payload === "string" ? payload : JSON.stringify(payload);
    const signature = createHmac("sha256", options.secret ?? SECRET)
      .update(body)
      .digest("hex");
    return app.inject({
      method: "POST",
      url: GITHUB_HOOK_PATH,
      headers: {
        "content-type": "application/json",
        "x-github-event": options.event ?? "issues",
        "x-github-delivery": options.delivery ?? `d-${++deliveries}`,
        "x-hub-signature-256": `sha256=${signature}`
      },
      payload: body
    });
  };
  return { store, github, registry, service, timers, deliver };
}

const opened = (number: number, repo = "acme/widgets") => ({
  action: "opened",
  issue: {
    number,
    title: "Tidy the README",
    body: null,
    state: "open",
    labels: [{ name: "baa" }],
    html_url: `https://github.com/${repo}/issues/${number}`
  },
  repository: { full_name: repo }
});

test("webhook deliveries are counted by outcome, once each; an issue it turns into a task by source", async (t) => {
  const { github, registry, deliver } = await setup(t);
  const issue = github.addIssue({
    owner: "acme",
    repo: "widgets",
    title: "Tidy the README",
    labels: ["baa"]
  });
  const count = (outcome: string) =>
    sample(registry, "conductor_github_webhook_deliveries_total", { outcome });
  assert.equal(await count("accepted"), 0, "every outcome is there before its first delivery");

  assert.equal((await deliver(opened(issue.number), { secret: "not-the-secret" })).statusCode, 401);
  assert.equal((await deliver({ zen: "hi" }, { event: "ping" })).statusCode, 200);
  assert.equal((await deliver(opened(issue.number), { event: "push" })).statusCode, 202);
  assert.equal((await deliver(opened(9, "acme/elsewhere"))).statusCode, 202);
  assert.equal((await deliver("{not json")).statusCode, 400);
  assert.equal((await deliver(opened(issue.number), { delivery: "once" })).statusCode, 200);
  assert.equal((await deliver(opened(issue.number), { delivery: "once" })).statusCode, 200);

  const counted = {
    accepted: 1,
    duplicate: 1,
    ignored: 2,
    ping: 1,
    refused: 1,
    invalid: 1,
    error: 0
  };
  for (const [outcome, expected] of Object.entries(counted))
    assert.equal(await count(outcome), expected, outcome);
  const tasks = (source: string, action: string) =>
    sample(registry, "conductor_github_issue_tasks_total", { source, action });
  assert.equal(await tasks("webhook", "created"), 1);
  assert.equal(await tasks("poll", "created"), 0);
});

test("polls are counted by outcome; an issue found by polling counts as a poll task; comments posted and failed", async (t) => {
  const { store, github, registry, service, timers, deliver } = await setup(t);
  const first = github.addIssue({
    owner: "acme",
    repo: "widgets",
    title: "Tidy the README",
    labels: ["baa"]
  });
  assert.equal((await deliver(opened(first.number))).statusCode, 200);
  github.addIssue({ owner: "acme", repo: "widgets", title: "Fix the build", labels: ["baa"] });
  const polls = (outcome: string) => sample(registry, "conductor_github_polls_total", { outcome });

  await service.runOnce();
  assert.equal(await polls("changed"), 1);
  assert.equal(
    await sample(registry, "conductor_github_issue_tasks_total", { source: "poll", action: "created" }),
    1
  );
  assert.equal(
    await sample(registry, "conductor_github_issue_tasks_total", { source: "webhook", action: "created" }),
    1,
    "the webhook's issue, seen again by the poll, is not counted again"
  );

  timers.jump(POLL_MS);
  await service.runOnce();
  assert.equal(await polls("not_modified"), 1, "answered from the ETag");

  github.failNext({ method: "GET", path: "/repos/acme/widgets/issues" }, { status: 503 });
  timers.jump(POLL_MS);
  await service.runOnce();
  assert.equal(await polls("unavailable"), 1);

  // The webhook's task fails: its issue gets the `failed` comment; a refused post counts as failed.
  const lease = await store.acquireLease({ scope: "scheduler", holder: "me", ttlMs: 3_600_000 });
  const claims = await store.claimTasks({ scope: "scheduler", holder: "me", term: lease!.term, limit: 2 });
  for (const claim of claims) {
    await store.finishRun(
      { runId: claim.run.runId, owner: "me", term: lease!.term },
      { runState: "failed", taskState: "failed", reason: "codex: no", spendAttempt: true }
    );
  }
  github.failNext({ method: "POST" }, { status: 422, body: { message: "Validation Failed" } });
  timers.jump(60_000);
  await service.runOnce();
  const comments = (outcome: string) =>
    sample(registry, "conductor_github_comments_total", { kind: "failed", outcome });
  assert.equal(await comments("failed"), 1);
  assert.equal(await comments("posted"), 1);
  assert.equal(service.status().comments.failed, 1, "the status and the metric agree");
});
