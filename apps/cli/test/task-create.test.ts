// `baa tasks add`: where the task works by default, --review, and the word that it will wait
// when the system is not claiming.
import assert from "node:assert/strict";
import test from "node:test";
import { ExitCode } from "../src/index.js";
import { fakeConductor, ok, refused, runBaa } from "./fake-conductor.js";
import { taskDoc } from "./task-fixtures.js";

const RUNNING_SYSTEM = {
  mode: "running",
  reason: null,
  drained: false,
  claiming: true,
  running: { count: 0, runs: [] },
  quota: null,
  leader: null,
  tasks: {}
};
const queued = taskDoc({ state: "queued", runCount: 0, lastRunId: null });

test("tasks add: --cwd defaults to the directory baa runs in; a relative --cwd is resolved there; --scratch sends none", async () => {
  const fake = await fakeConductor({
    "POST /v1/tasks": ok({ task: queued, created: true }),
    "GET /v1/system/state": ok(RUNNING_SYSTEM)
  });
  try {
    const here = await runBaa(["tasks", "add", "Add hello"], { base: fake.base, cwd: "/work/proj" });
    assert.equal(here.code, ExitCode.ok, here.stderr);
    assert.equal(here.stdout, "task-1\n");
    assert.equal(here.stderr, "", "no notice while the system runs");
    await runBaa(["tasks", "add", "Add hello", "--cwd", "sub/dir"], { base: fake.base, cwd: "/work/proj" });
    await runBaa(["tasks", "add", "Add hello", "--cwd", "/elsewhere"], {
      base: fake.base,
      cwd: "/work/proj"
    });
    await runBaa(["tasks", "add", "Add hello", "--scratch"], { base: fake.base, cwd: "/work/proj" });
    const bodies = fake.seen.filter((r) => r.method === "POST").map((r) => r.body as Record<string, unknown>);
    assert.deepEqual(
      bodies.map((b) => b.cwd),
      ["/work/proj", "/work/proj/sub/dir", "/elsewhere", undefined]
    );
    assert.deepEqual(bodies[0], { title: "Add hello", prompt: "Add hello", cwd: "/work/proj" });

    const both = await runBaa(["tasks", "add", "x", "--scratch", "--cwd", "/a"], { base: fake.base });
    assert.equal(both.code, ExitCode.usage);
    assert.match(both.stderr, /--scratch and --cwd exclude each other/);
  } finally {
    await fake.close();
  }
});

test("tasks add --review: one of required, none, auto_land, sent as review", async () => {
  const fake = await fakeConductor({
    "POST /v1/tasks": ok({ task: queued, created: true }),
    "GET /v1/system/state": ok(RUNNING_SYSTEM)
  });
  try {
    for (const policy of ["required", "none", "auto_land"]) {
      const result = await runBaa(["tasks", "add", "p", "--review", policy], { base: fake.base, cwd: "/w" });
      assert.equal(result.code, ExitCode.ok, result.stderr);
    }
    const posts = fake.seen
      .filter((r) => r.method === "POST")
      .map((r) => (r.body as { review?: string }).review);
    assert.deepEqual(posts, ["required", "none", "auto_land"]);
    const bad = await runBaa(["tasks", "add", "p", "--review", "later"], { base: fake.base, cwd: "/w" });
    assert.equal(bad.code, ExitCode.usage);
    assert.match(bad.stderr, /--review must be one of required, none, auto_land/);
  } finally {
    await fake.close();
  }
});

test("tasks add while paused: stdout keeps the id, stderr says it waits until baa system resume; --json carries the notice", async () => {
  const fake = await fakeConductor({
    "POST /v1/tasks": ok({ task: queued, created: true }),
    "GET /v1/system/state": ok({ ...RUNNING_SYSTEM, mode: "paused", reason: "maintenance", claiming: false })
  });
  try {
    const human = await runBaa(["tasks", "add", "p"], { base: fake.base, cwd: "/w" });
    assert.equal(human.code, ExitCode.ok);
    assert.equal(human.stdout, "task-1\n");
    assert.equal(
      human.stderr,
      "the system is paused (maintenance): the task waits until baa system resume\n"
    );
    const json = await runBaa(["tasks", "add", "p", "--json"], { base: fake.base, cwd: "/w" });
    assert.equal(
      JSON.parse(json.stdout).notice,
      "the system is paused (maintenance): the task waits until baa system resume"
    );
    assert.equal(json.stderr, "");
  } finally {
    await fake.close();
  }
});

test("tasks add: a notice in the create answer is used as is, without reading the system state", async () => {
  const fake = await fakeConductor({
    "POST /v1/tasks": (seen) =>
      ok({
        task: queued,
        created: true,
        // Both shapes: a sentence (what the conductor sends) or a coded object.
        notice:
          (seen.body as { title: string }).title === "object"
            ? { code: "system_paused", message: "paused: the task starts after baa system resume" }
            : "the system is paused: the task waits (POST /v1/system/resume)"
      })
  });
  try {
    const text = await runBaa(["tasks", "add", "text"], { base: fake.base, cwd: "/w" });
    assert.equal(
      text.stderr,
      "the system is paused: the task waits (POST /v1/system/resume); to resume: baa system resume\n"
    );
    const object = await runBaa(["tasks", "add", "object"], { base: fake.base, cwd: "/w" });
    assert.equal(object.stderr, "paused: the task starts after baa system resume\n");
    assert.deepEqual(
      fake.seen.map((r) => r.url),
      ["/v1/tasks", "/v1/tasks"]
    );
  } finally {
    await fake.close();
  }
});

test("tasks add: draining and a usage-limit pause are said too; a failed read of the mode costs only the hint", async () => {
  let state: unknown = ok({ ...RUNNING_SYSTEM, mode: "draining", reason: null });
  const fake = await fakeConductor({
    "POST /v1/tasks": ok({ task: queued, created: true }),
    "GET /v1/system/state": () => state as never
  });
  try {
    assert.equal(
      (await runBaa(["tasks", "add", "p"], { base: fake.base, cwd: "/w" })).stderr,
      "the system is draining: the task waits until baa system resume\n"
    );
    state = ok({
      ...RUNNING_SYSTEM,
      quota: { pausedUntil: "2025-01-01T05:00:00.000Z", reason: "usage limit" }
    });
    assert.equal(
      (await runBaa(["tasks", "add", "p"], { base: fake.base, cwd: "/w" })).stderr,
      "claiming is paused until 2025-01-01T05:00:00.000Z (usage limit): the task waits until then\n"
    );
    state = refused(503, "store_unavailable", "down");
    const degraded = await runBaa(["tasks", "add", "p"], { base: fake.base, cwd: "/w" });
    assert.equal(degraded.code, ExitCode.ok, "the task was created");
    assert.equal(degraded.stdout, "task-1\n");
    assert.match(degraded.stderr, /could not read the system mode: .*store_unavailable/);
  } finally {
    await fake.close();
  }
});
