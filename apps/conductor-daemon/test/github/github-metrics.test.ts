import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import test from "node:test";
import { installErrorHandling } from "@baa/api-errors";
import { ManualTimers } from "@baa/clock/testing";
import { openControlStore, type ControlStore } from "@baa/control-store";
import { createGitHubForge } from "@baa/github-forge";
import { makeTempDir } from "@baa/test-support";
import Fastify from "fastify";
import { Registry } from "prom-client";
import { startFakeGitHub, type FakeGitHub } from "../../../../tests/support/fake-github.js";
import { GitHubService, type GitHubServiceDeps } from "../../src/github/github-service.js";
import { MAX_BACKOFF_MS } from "../../src/github/github-waits.js";
import { GITHUB_HOOK_PATH } from "../../src/github/hook-path.js";
import { issueKey } from "../../src/github/issue-task.js";
import { createSilentLogger } from "../../src/logger.js";
import { registerGitHubMetrics } from "../../src/metrics/github-metrics.js";
import { installStoreErrorMapping } from "../../src/store/store-error-mapping.js";
import { sample } from "../helpers/metric-text.js";

const TOKEN = "ghp_metrics_unit_token";
const SECRET = "webhook-secret-for-the-metrics-test";
const POLL_MS = 1_000;

type ServiceStore = GitHubServiceDeps["store"];

/**
 * The service's slice of `store` (a Pick'd wrapper), whose `findTaskByExternalKey` — the first
 * store call of the intake's every observation — throws while `broken.on` is set.
 */
function breakable(store: ControlStore): { view: ServiceStore; broken: { on: boolean } } {
  const broken = { on: false };
  const view: ServiceStore = {
    createTask: (...args) => store.createTask(...args),
    findTaskByExternalKey: async (key) => {
      if (broken.on) throw new Error("SQLITE_IOERR: disk I/O error");
      return store.findTaskByExternalKey(key);
    },
    updateWaitingTask: (...args) => store.updateWaitingTask(...args),
    requestCancel: (...args) => store.requestCancel(...args),
    retryTask: (...args) => store.retryTask(...args),
    listOpenExternalTasks: (...args) => store.listOpenExternalTasks(...args),
    claimDelivery: (...args) => store.claimDelivery(...args),
    forgetDelivery: (...args) => store.forgetDelivery(...args),
    listTasksAwaitingComment: (...args) => store.listTasksAwaitingComment(...args),
    beginComment: (...args) => store.beginComment(...args),
    finishComment: (...args) => store.finishComment(...args)
  };
  return { view, broken };
}

/**
 * A leader's GitHub service on a SQLite store (through `breakable`: `broken.on` fails it) and the
 * fake GitHub, counting into its own registry; its routes answer errors as the app does.
 */
async function setup(t: test.TestContext) {
  const dir = makeTempDir("github-metrics-");
  const timers = new ManualTimers({ epochMs: Date.parse("2030-01-01T00:00:00.000Z") });
  const store: ControlStore = await openControlStore({ stateDir: dir.root, now: () => timers.wallNow() });
  const { view, broken } = breakable(store);
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
    store: view,
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
  // As in the app: the error shape at the root, the store's errors mapped in the routes' scope.
  installErrorHandling(app);
  await app.register(async (scope) => {
    installStoreErrorMapping(scope);
    service.registerRoutes(scope);
  });
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
  return { store, broken, github, registry, service, timers, deliver };
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

test("a delivery the intake could not act on (the store failed) is counted as error once; its redelivery acts", async (t) => {
  const { github, registry, store, broken, deliver } = await setup(t);
  const issue = github.addIssue({
    owner: "acme",
    repo: "widgets",
    title: "Tidy the README",
    labels: ["baa"]
  });
  const count = (outcome: string) =>
    sample(registry, "conductor_github_webhook_deliveries_total", { outcome });

  broken.on = true;
  const failed = await deliver(opened(issue.number), { delivery: "flaky" });
  assert.equal(failed.statusCode, 500);
  assert.deepEqual(failed.json(), { ok: false, error: { code: "internal", message: "internal error" } });
  assert.equal(await count("error"), 1);
  assert.equal(await count("accepted"), 0);
  assert.equal(await store.findTaskByExternalKey(issueKey("acme/widgets", issue.number)), undefined);

  broken.on = false;
  const redelivered = await deliver(opened(issue.number), { delivery: "flaky" });
  assert.equal(redelivered.statusCode, 200, "the failed delivery was forgotten: GitHub's redelivery acts");
  assert.equal(redelivered.json().data.outcome.kind, "created");
  assert.equal(await count("error"), 1, "counted once");
  assert.equal(await count("accepted"), 1);
  assert.equal(await count("duplicate"), 0);
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

test("a poll GitHub refused is counted as rate_limited (403/429 with the limit's headers) or refused (401/404); one the store failed as error", async (t) => {
  const { github, registry, service, timers, broken } = await setup(t);
  github.addIssue({ owner: "acme", repo: "widgets", title: "Tidy the README", labels: ["baa"] });
  const LIST = { method: "GET", path: "/repos/acme/widgets/issues" };
  /** One poll, past any wait the last one left; resolves to the reason the repository waits for. */
  const poll = async () => {
    timers.jump(MAX_BACKOFF_MS + POLL_MS);
    await service.runOnce();
    return service.status().polling[0]?.waiting?.reason ?? null;
  };
  const polls = (outcome: string) => sample(registry, "conductor_github_polls_total", { outcome });

  github.failNext(LIST, {
    status: 403,
    body: { message: "API rate limit exceeded for user ID 1." },
    headers: { "x-ratelimit-remaining": "0" }
  });
  assert.equal(await poll(), "rate_limited");
  github.failNext(LIST, {
    status: 429,
    body: { message: "You have exceeded a secondary rate limit." },
    headers: { "x-ratelimit-remaining": "0", "retry-after": "30" }
  });
  assert.equal(await poll(), "rate_limited");
  assert.equal(await polls("rate_limited"), 2);

  github.failNext(LIST, { status: 401, body: { message: "Bad credentials" } });
  assert.equal(await poll(), "refused");
  github.failNext(LIST, { status: 404, body: { message: "Not Found" } });
  assert.equal(await poll(), "refused");
  assert.equal(await polls("refused"), 2);

  // GitHub answered; the intake's store call for the listed issue failed: not a GitHub wait.
  broken.on = true;
  assert.equal(await poll(), "not_applied", "the status says so, not the earlier refusal");
  assert.equal(await polls("error"), 1);
  assert.equal(await polls("changed"), 0, "a list not applied is not a change");

  broken.on = false;
  assert.equal(await poll(), null);
  const counted = { changed: 1, not_modified: 0, rate_limited: 2, unavailable: 0, refused: 2, error: 1 };
  for (const [outcome, expected] of Object.entries(counted))
    assert.equal(await polls(outcome), expected, outcome);
});
