import assert from "node:assert/strict";
import test from "node:test";
import { installErrorHandling } from "@baa/api-errors";
import { openControlStore } from "@baa/control-store";
import { installJsonBodyParser } from "@baa/http-server";
import { makeTempDir } from "@baa/test-support";
import { fastify } from "fastify";
import { registerScheduleRoutes } from "../../src/schedules/schedule-routes.js";

// The routes over the real SQLite store.
async function setup(t: test.TestContext) {
  const dir = makeTempDir("schedule-routes-");
  const store = await openControlStore({ stateDir: dir.root });
  const app = fastify({});
  installErrorHandling(app);
  installJsonBodyParser(app);
  registerScheduleRoutes(app, { store });
  await app.ready();
  t.after(async () => {
    await app.close();
    await store.close();
    dir.remove();
  });
  return { app, store };
}

test("a schedule's task keeps setup, checks and maxCheckRounds as the task's repoConfig", async (t) => {
  const { app, store } = await setup(t);
  const task = {
    title: "nightly checks",
    prompt: "run them",
    checks: [{ name: "unit", run: "npm test" }],
    maxCheckRounds: 2,
    setup: { run: ["npm ci"] },
    runsOn: ["gpu"]
  };
  const created = await app.inject({
    method: "POST",
    url: "/v1/schedules",
    payload: { name: "nightly", cron: "0 3 * * *", timezone: "UTC", task }
  });
  assert.equal(created.statusCode, 201, created.body);
  const schedule = created.json().data.schedule;
  assert.deepEqual(schedule.task, {
    title: "nightly checks",
    prompt: "run them",
    runsOn: ["gpu"],
    repoConfig: {
      setup: { run: ["npm ci"], copy: [] },
      checks: [{ name: "unit", run: "npm test" }],
      maxCheckRounds: 2
    }
  });
  assert.deepEqual((await store.getSchedule(schedule.scheduleId))?.task, schedule.task);
  // A template without them carries no override.
  const plain = await app.inject({
    method: "POST",
    url: "/v1/schedules",
    payload: { name: "plain", cron: "0 3 * * *", timezone: "UTC", task: { title: "t", prompt: "p" } }
  });
  assert.equal(plain.statusCode, 201, plain.body);
  assert.deepEqual(plain.json().data.schedule.task, { title: "t", prompt: "p", repoConfig: null });
});
