// The task routes the page uses: a fixed set of conductor paths, forwarded with the node's
// token; ids, queries and bodies checked here first; the conductor's answers passed through.
import assert from "node:assert/strict";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import type { FastifyInstance } from "fastify";
import { createStatusApp } from "../src/app.js";
import { normalizeStatusApiConfig } from "../src/config.js";
import { closedPortUrl, startFakeService, type FakeService } from "./helpers/fake-service.js";
import {
  landingOptions,
  REVIEW_RUN_ID,
  REVIEW_TASK_ID,
  reviewConductor,
  reviewDiff
} from "./helpers/review-conductor.js";

// inject() sends `Host: localhost:80`; the guard accepts its own loopback names on its own port.
const INJECT_LISTEN = { localApiBase: "http://127.0.0.1:80" };
const TOKEN = "node-token-".padEnd(40, "x");

async function withApp(
  run: (app: FastifyInstance, conductor: FakeService) => Promise<void>,
  handler = reviewConductor,
  extra: Record<string, unknown> = {}
) {
  const conductor = await startFakeService(handler);
  const dir = makeTempDir("status-api-tasks-");
  const app = createStatusApp({
    config: normalizeStatusApiConfig({
      ...INJECT_LISTEN,
      conductorBase: conductor.url,
      codexdBase: await closedPortUrl(),
      repoRoot: dir.root,
      sharedToken: TOKEN,
      ...extra
    })
  });
  try {
    await run(app, conductor);
  } finally {
    await app.close();
    await conductor.close();
    dir.remove();
  }
}

test("task and run reads reach the conductor's own paths with the token; its JSON comes back unchanged", async () => {
  await withApp(async (app, conductor) => {
    const reads: Array<[string, string]> = [
      ["/v1/tasks?state=in_review&limit=20", "/v1/tasks?state=in_review&limit=20"],
      ["/v1/tasks?cursor=page-2", "/v1/tasks?cursor=page-2"],
      [`/v1/tasks/${REVIEW_TASK_ID}`, `/v1/tasks/${REVIEW_TASK_ID}`],
      [`/v1/tasks/${REVIEW_TASK_ID}/runs`, `/v1/tasks/${REVIEW_TASK_ID}/runs`],
      [`/v1/tasks/${REVIEW_TASK_ID}/diff`, `/v1/tasks/${REVIEW_TASK_ID}/diff`],
      [
        `/v1/tasks/${REVIEW_TASK_ID}/diff?path=src%2Fa+b.ts`,
        `/v1/tasks/${REVIEW_TASK_ID}/diff?path=src%2Fa+b.ts`
      ],
      [`/v1/tasks/${REVIEW_TASK_ID}/landing-options`, `/v1/tasks/${REVIEW_TASK_ID}/landing-options`],
      [`/v1/runs/${REVIEW_RUN_ID}`, `/v1/runs/${REVIEW_RUN_ID}`],
      [
        `/v1/runs/${REVIEW_RUN_ID}/events?after=12&limit=50`,
        `/v1/runs/${REVIEW_RUN_ID}/events?after=12&limit=50`
      ]
    ];
    for (const [url, forwarded] of reads) {
      const before = conductor.requests.length;
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
      assert.equal(response.headers["cache-control"], "no-store");
      assert.equal(conductor.requests.length, before + 1, url);
      const seen = conductor.requests.at(-1)!;
      assert.equal(seen.method, "GET");
      assert.equal(seen.url, forwarded);
      assert.equal(seen.headers.authorization, `Bearer ${TOKEN}`);
    }
    const diff = await app.inject({ url: `/v1/tasks/${REVIEW_TASK_ID}/diff` });
    assert.deepEqual(diff.json(), { ok: true, data: reviewDiff });
    const options = await app.inject({ url: `/v1/tasks/${REVIEW_TASK_ID}/landing-options` });
    assert.deepEqual(options.json().data, landingOptions);
    const events = await app.inject({ url: `/v1/runs/${REVIEW_RUN_ID}/events?after=12` });
    assert.deepEqual(
      events.json().data.events.map((e: { seq: number }) => e.seq),
      [13]
    );
  });
});

test("the conductor's errors pass through with their status and code", async () => {
  await withApp(async (app) => {
    const missing = await app.inject({ url: "/v1/tasks/task-nope" });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json(), {
      ok: false,
      error: { code: "task_not_found", message: "no task task-nope" }
    });
    const refused = await app.inject({
      method: "POST",
      url: `/v1/tasks/${REVIEW_TASK_ID}/discard`,
      payload: {}
    });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().error.code, "task_not_discardable");
    const target = await app.inject({
      method: "POST",
      url: `/v1/tasks/${REVIEW_TASK_ID}/land`,
      payload: { target: "nope" }
    });
    assert.equal(target.statusCode, 400);
    assert.equal(target.json().error.code, "unknown_target");
    const title = await app.inject({
      method: "POST",
      url: "/v1/tasks",
      payload: { title: " ", prompt: "p" }
    });
    assert.equal(title.statusCode, 400);
    assert.match(title.json().error.message, /^invalid body: title:/, "the conductor's own words");
  });
});

test("create, cancel, retry, revise, land and discard are posted to the conductor as validated", async () => {
  await withApp(async (app, conductor) => {
    const created = await app.inject({
      method: "POST",
      url: "/v1/tasks",
      payload: { title: "say hi", prompt: "write hello.txt", cwd: "/tmp/repo", review: "auto_land" }
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual(JSON.parse(conductor.requests.at(-1)!.body), {
      title: "say hi",
      prompt: "write hello.txt",
      cwd: "/tmp/repo",
      review: "auto_land"
    });
    const actions: Array<[string, unknown, unknown]> = [
      ["cancel", undefined, {}],
      ["cancel", { reason: "not needed" }, { reason: "not needed" }],
      ["retry", undefined, {}],
      ["revise", { comment: "also handle the empty case" }, { comment: "also handle the empty case" }],
      ["land", undefined, {}],
      [
        "land",
        {
          method: "squash",
          target: "release",
          push: "origin",
          pullRequest: { title: "Say hi", draft: true }
        },
        { method: "squash", target: "release", push: "origin", pullRequest: { title: "Say hi", draft: true } }
      ]
    ];
    for (const [action, payload, sent] of actions) {
      const response = await app.inject({
        method: "POST",
        url: `/v1/tasks/${REVIEW_TASK_ID}/${action}`,
        ...(payload === undefined ? {} : { payload: payload as object })
      });
      assert.equal(response.statusCode, 200, `${action}: ${response.body}`);
      const seen = conductor.requests.at(-1)!;
      assert.equal(seen.method, "POST");
      assert.equal(seen.url, `/v1/tasks/${REVIEW_TASK_ID}/${action}`);
      assert.equal(seen.headers.authorization, `Bearer ${TOKEN}`);
      assert.deepEqual(JSON.parse(seen.body), sent, action);
    }
  });
});

test("line comments, the land queue, queues and a task's checks are forwarded as validated", async () => {
  await withApp(async (app, conductor) => {
    const comments = [
      { path: "src/app.ts", line: 3, side: "new", body: "name y better" },
      { path: "docs/new name.md", line: 2, side: "old", body: "keep it" }
    ];
    const config = {
      setup: { run: ["pnpm install"], copy: [".env"] },
      checks: [{ name: "test", run: "npm test", timeoutMs: 60_000 }],
      maxCheckRounds: 2
    };
    const posts: Array<[string, unknown]> = [
      [`/v1/tasks/${REVIEW_TASK_ID}/revise`, { comments }],
      [`/v1/tasks/${REVIEW_TASK_ID}/revise`, { comment: "and the tests", comments: comments.slice(0, 1) }],
      [`/v1/tasks/${REVIEW_TASK_ID}/land`, { queue: true }],
      [`/v1/tasks/${REVIEW_TASK_ID}/land`, { queue: true, method: "squash", target: "main" }],
      ["/v1/tasks", { title: "t", prompt: "p", cwd: "/tmp/repo", ...config }]
    ];
    for (const [url, payload] of posts) {
      const response = await app.inject({ method: "POST", url, payload: payload as object });
      assert.ok(response.statusCode < 300, `${url}: ${response.body}`);
      const seen = conductor.requests.at(-1)!;
      assert.equal(seen.url, url);
      assert.equal(seen.headers.authorization, `Bearer ${TOKEN}`);
      assert.deepEqual(JSON.parse(seen.body), payload, url);
    }
    const queues = await app.inject({ url: "/v1/queues" });
    assert.equal(queues.statusCode, 200);
    assert.equal(queues.headers["cache-control"], "no-store");
    assert.deepEqual(queues.json(), { ok: true, data: { queues: [] } });
    assert.equal(conductor.requests.at(-1)!.url, "/v1/queues");
    assert.equal(conductor.requests.at(-1)!.method, "GET");
  });
});

test("malformed line comments, queue flags and checks are refused here, naming the field", async () => {
  await withApp(async (app, conductor) => {
    const revise = `/v1/tasks/${REVIEW_TASK_ID}/revise`;
    const good = { path: "a.ts", line: 1, side: "new", body: "b" };
    const refused: Array<{ url: string; payload: object; field: RegExp }> = [
      { url: revise, payload: { comments: [] }, field: /comments:/ },
      { url: revise, payload: { comments: Array.from({ length: 51 }, () => good) }, field: /comments:/ },
      { url: revise, payload: { comments: [{ ...good, side: "left" }] }, field: /comments\.0\.side/ },
      { url: revise, payload: { comments: [{ ...good, line: 0 }] }, field: /comments\.0\.line/ },
      { url: revise, payload: { comments: [{ ...good, line: 2.5 }] }, field: /comments\.0\.line/ },
      { url: revise, payload: { comments: [{ ...good, line: "3" }] }, field: /comments\.0\.line/ },
      { url: revise, payload: { comments: [{ ...good, body: "" }] }, field: /comments\.0\.body/ },
      { url: revise, payload: { comments: [{ ...good, path: "" }] }, field: /comments\.0\.path/ },
      { url: revise, payload: { comments: [{ ...good, path: "a\u0000b" }] }, field: /comments\.0\.path/ },
      { url: revise, payload: { comments: [{ ...good, hunk: "@@" }] }, field: /hunk/ },
      { url: revise, payload: { comment: "x", extra: 1 }, field: /extra/ },
      { url: `/v1/tasks/${REVIEW_TASK_ID}/land`, payload: { queue: "yes" }, field: /queue/ },
      { url: `/v1/tasks/${REVIEW_TASK_ID}/land`, payload: { queue: true, priority: 1 }, field: /priority/ },
      {
        url: "/v1/tasks",
        payload: { title: "t", prompt: "p", checks: [{ name: "test", run: "npm test", env: {} }] },
        field: /checks\.0/
      },
      {
        url: "/v1/tasks",
        payload: { title: "t", prompt: "p", checks: [{ name: "test" }] },
        field: /checks\.0\.run/
      },
      {
        url: "/v1/tasks",
        payload: { title: "t", prompt: "p", setup: { run: "pnpm install" } },
        field: /setup\.run/
      },
      { url: "/v1/tasks", payload: { title: "t", prompt: "p", maxCheckRounds: "3" }, field: /maxCheckRounds/ }
    ];
    for (const { url, payload, field } of refused) {
      const response = await app.inject({ method: "POST", url, payload });
      assert.equal(
        response.statusCode,
        400,
        `${url} ${JSON.stringify(payload).slice(0, 80)}: ${response.body}`
      );
      assert.equal(response.json().error.code, "validation_failed");
      assert.match(response.json().error.message, field, JSON.stringify(payload).slice(0, 80));
    }
    assert.deepEqual(
      conductor.requests.map((r) => r.url),
      []
    );
  });
});

test("bad ids, queries and bodies are refused here, naming the field, and never reach the conductor", async () => {
  await withApp(async (app, conductor) => {
    const refused: Array<{ method?: "GET" | "POST"; url: string; payload?: object; field: RegExp }> = [
      { url: "/v1/tasks/..%2F..%2Fsystem%2Fpause", field: /task_id/ },
      { url: "/v1/tasks/.hidden/runs", field: /task_id/ },
      { url: "/v1/runs/run%20one", field: /run_id/ },
      { url: "/v1/tasks?state=sleeping", field: /state/ },
      { url: "/v1/tasks?limit=0", field: /limit/ },
      { url: "/v1/tasks?format=patch", field: /format/ },
      { url: `/v1/tasks/${REVIEW_TASK_ID}/diff?format=patch`, field: /format/ },
      { url: `/v1/runs/${REVIEW_RUN_ID}/events?after=-1`, field: /after/ },
      {
        method: "POST",
        url: "/v1/tasks",
        payload: { title: "t", prompt: "p", model: "gpt" },
        field: /model/
      },
      {
        method: "POST",
        url: "/v1/tasks",
        payload: { title: "t", prompt: "p", review: "maybe" },
        field: /review/
      },
      { method: "POST", url: "/v1/tasks", payload: { title: "t" }, field: /prompt/ },
      { method: "POST", url: `/v1/tasks/${REVIEW_TASK_ID}/revise`, payload: {}, field: /comment/ },
      {
        method: "POST",
        url: `/v1/tasks/${REVIEW_TASK_ID}/land`,
        payload: { method: "octopus" },
        field: /method/
      },
      {
        method: "POST",
        url: `/v1/tasks/${REVIEW_TASK_ID}/land`,
        payload: { pullRequest: { reviewers: ["x"] } },
        field: /reviewers/
      },
      { method: "POST", url: `/v1/tasks/${REVIEW_TASK_ID}/discard`, payload: { reason: 5 }, field: /reason/ },
      { method: "POST", url: `/v1/tasks/${REVIEW_TASK_ID}/retry`, payload: { now: true }, field: /now/ }
    ];
    for (const { method = "GET", url, payload, field } of refused) {
      const response = await app.inject({ method, url, ...(payload === undefined ? {} : { payload }) });
      assert.equal(response.statusCode, 400, `${method} ${url}: ${response.body}`);
      assert.equal(response.json().error.code, "validation_failed");
      assert.match(response.json().error.message, field, url);
    }
    // Only the fixed paths are forwarded: anything else is ours to 404.
    for (const url of [
      "/v1/tasks/x/events",
      "/v1/system/state",
      "/v1/codex/sessions",
      "/v1/tasks/x/diff/more"
    ]) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 404, url);
      assert.equal(response.json().error.code, "route_not_found");
    }
    assert.deepEqual(
      conductor.requests.map((r) => r.url),
      []
    );
  });
});

test("a conductor that is down or hung gives 503 conductor_unavailable or 504 conductor_timeout on reads too", async () => {
  const dir = makeTempDir("status-api-tasks-down-");
  const down = createStatusApp({
    config: normalizeStatusApiConfig({
      ...INJECT_LISTEN,
      conductorBase: await closedPortUrl(),
      codexdBase: await closedPortUrl(),
      repoRoot: dir.root
    })
  });
  try {
    const refused = await down.inject({ url: `/v1/tasks/${REVIEW_TASK_ID}/diff` });
    assert.equal(refused.statusCode, 503);
    assert.equal(refused.json().error.code, "conductor_unavailable");
  } finally {
    await down.close();
    dir.remove();
  }
  await withApp(
    async (app) => {
      const timedOut = await app.inject({ url: "/v1/tasks" });
      assert.equal(timedOut.statusCode, 504);
      assert.equal(timedOut.json().error.code, "conductor_timeout");
      assert.match(timedOut.json().error.message, /GET \/v1\/tasks in time/);
    },
    () => {},
    { actionTimeoutMs: 100 }
  );
});

test("a request from a foreign page is refused before anything is forwarded", async () => {
  await withApp(async (app, conductor) => {
    const foreign = await app.inject({
      url: `/v1/tasks/${REVIEW_TASK_ID}/diff`,
      headers: { origin: "https://attacker.example" }
    });
    assert.equal(foreign.statusCode, 403);
    assert.equal(foreign.json().error.code, "origin_not_allowed");
    const rebound = await app.inject({
      method: "POST",
      url: `/v1/tasks/${REVIEW_TASK_ID}/land`,
      headers: { host: "attacker.example" },
      payload: {}
    });
    assert.equal(rebound.statusCode, 421);
    assert.equal(rebound.json().error.code, "host_not_allowed");
    assert.equal(conductor.requests.length, 0);
  });
});
