import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openControlStore, type ControlStore, type NewSchedule } from "../src/index.js";
import { withHarness, type EngineKind } from "./support/harness.js";
import { lead, SCOPE } from "./support/steps.js";

const EVERY_MINUTE: Omit<NewSchedule, "nextFireAt"> = {
  name: "nightly",
  cron: "* * * * *",
  timezone: "UTC",
  catchUp: "one",
  task: {
    title: "bump deps",
    prompt: "bump the dependencies",
    priority: 3,
    notify: ["https://hooks.example/a"]
  }
};

async function dueOne(store: ControlStore) {
  const { now, due } = await store.dueSchedules(10);
  return { now, schedule: due[0] };
}

for (const kind of ["sqlite", "postgres"] as EngineKind[]) {
  describe(`${kind}: schedules`, () => {
    test("create, list, get, pause, resume and delete; a deleted schedule's tasks stay", () =>
      withHarness(kind, async (h) => {
        const { store } = h;
        const now = (await store.now()).toISOString();
        const created = await store.createSchedule({ ...EVERY_MINUTE, nextFireAt: now });
        assert.match(created.scheduleId, /^schedule-/);
        assert.equal(created.paused, false);
        assert.equal(created.catchUp, "one");
        assert.equal(created.nextFireAt, now);
        assert.equal(created.lastFireAt, null);
        assert.deepEqual(created.task, EVERY_MINUTE.task);
        assert.deepEqual(
          (await store.listSchedules()).map((s) => s.scheduleId),
          [created.scheduleId]
        );
        assert.deepEqual(await store.getSchedule(created.scheduleId), created);

        const paused = await store.setSchedulePaused(created.scheduleId, true, null);
        assert.equal(paused?.paused, true);
        assert.equal(paused?.nextFireAt, null);
        assert.deepEqual((await store.dueSchedules(10)).due, [], "a paused schedule is never due");
        const later = new Date(Date.parse(now) + 60_000).toISOString();
        const resumed = await store.setSchedulePaused(created.scheduleId, false, later);
        assert.equal(resumed?.paused, false);
        assert.equal(resumed?.nextFireAt, later);
        assert.equal(await store.setSchedulePaused("schedule-nope", true, null), undefined);

        await h.raw("update schedules set next_fire_at = $1", [now]);
        const l = await lead(store, "n1");
        const { schedule } = await dueOne(store);
        const fired = await store.fireSchedule({
          scope: SCOPE,
          holder: l.holder,
          term: l.term,
          scheduleId: created.scheduleId,
          expectedNextFireAt: now,
          scheduledFor: now,
          nextFireAt: later
        });
        assert.equal(schedule?.scheduleId, created.scheduleId);
        assert.equal(fired.kind, "fired");
        const task = fired.kind === "fired" ? fired.task : assert.fail("not fired");
        assert.equal(task.scheduleId, created.scheduleId);
        assert.equal(task.scheduledFor, now);
        assert.equal(task.title, "bump deps");
        assert.equal(task.priority, 3);
        assert.equal(task.state, "queued");
        assert.deepEqual(task.notify, ["https://hooks.example/a"]);
        const after = await store.getSchedule(created.scheduleId);
        assert.equal(after?.lastFireAt, now);
        assert.equal(after?.lastTaskId, task.taskId);
        assert.equal(after?.nextFireAt, later);

        assert.equal(await store.deleteSchedule(created.scheduleId), true);
        assert.equal(await store.deleteSchedule(created.scheduleId), false);
        assert.equal(await store.getSchedule(created.scheduleId), undefined);
        assert.equal((await store.getTask(task.taskId))?.scheduleId, created.scheduleId);
      }));

    test("bad schedules are TypeErrors naming the field", () =>
      withHarness(kind, async ({ store }) => {
        const now = (await store.now()).toISOString();
        await assert.rejects(store.createSchedule({ ...EVERY_MINUTE, name: "", nextFireAt: now }), /name/);
        await assert.rejects(
          store.createSchedule({ ...EVERY_MINUTE, catchUp: "all" as never, nextFireAt: now }),
          /catchUp/
        );
        await assert.rejects(
          store.createSchedule({ ...EVERY_MINUTE, task: { title: "", prompt: "p" }, nextFireAt: now }),
          /title/
        );
        await assert.rejects(
          store.createSchedule({
            ...EVERY_MINUTE,
            task: { title: "t", prompt: "p", dependsOn: [] } as never,
            nextFireAt: now
          }),
          /dependsOn/
        );
      }));

    test("a fire is stale without the lease, for a moved schedule, and skips with scheduledFor null", () =>
      withHarness(kind, async (h) => {
        const { store } = h;
        const now = (await store.now()).toISOString();
        const next = new Date(Date.parse(now) + 60_000).toISOString();
        const s = await store.createSchedule({ ...EVERY_MINUTE, nextFireAt: now });
        const l = await lead(store, "n1");
        const fire = {
          scope: SCOPE,
          holder: l.holder,
          term: l.term,
          scheduleId: s.scheduleId,
          expectedNextFireAt: now,
          scheduledFor: now,
          nextFireAt: next
        };
        assert.deepEqual(await store.fireSchedule({ ...fire, holder: "n2" }), { kind: "stale" });
        assert.deepEqual(await store.fireSchedule({ ...fire, term: l.term + 1 }), { kind: "stale" });
        assert.deepEqual(await store.fireSchedule({ ...fire, expectedNextFireAt: next }), { kind: "stale" });
        assert.deepEqual(await store.fireSchedule({ ...fire, scheduledFor: null }), { kind: "skipped" });
        assert.equal((await store.getSchedule(s.scheduleId))?.nextFireAt, next);
        assert.equal((await store.getSchedule(s.scheduleId))?.lastFireAt, null);
        assert.deepEqual(await store.fireSchedule(fire), { kind: "stale" }, "the schedule moved on");
        assert.equal((await store.listTasks({ limit: 10 })).tasks.length, 0);
      }));

    test("a fire's task carries every field of the template (repo config, runsOn, workspace, …)", () =>
      withHarness(kind, async (h) => {
        const { store } = h;
        const now = (await store.now()).toISOString();
        const template: NewSchedule["task"] = {
          title: "nightly checks",
          prompt: "run them",
          cwd: "/srv/repo",
          model: "gpt-test",
          maxAttempts: 5,
          timeoutMs: 60_000,
          stallTimeoutMs: 30_000,
          approvalPolicy: "never",
          sandbox: "workspace-write",
          workspace: "worktree",
          review: "auto_land",
          repoConfig: { checks: [{ name: "unit", run: "npm test" }], maxCheckRounds: 2 },
          runsOn: ["mac", "gpu"]
        };
        const s = await store.createSchedule({ ...EVERY_MINUTE, task: template, nextFireAt: now });
        const l = await lead(store, "n1");
        const fired = await store.fireSchedule({
          scope: SCOPE,
          holder: l.holder,
          term: l.term,
          scheduleId: s.scheduleId,
          expectedNextFireAt: now,
          scheduledFor: now,
          nextFireAt: new Date(Date.parse(now) + 60_000).toISOString()
        });
        const task = fired.kind === "fired" ? fired.task : assert.fail(`not fired: ${fired.kind}`);
        const { runsOn: _sortedBelow, ...rest } = template;
        for (const [field, value] of Object.entries(rest))
          assert.deepEqual(task[field as keyof typeof task], value, field);
        assert.deepEqual(task.runsOn, ["gpu", "mac"], "sorted, as any create stores them");
        assert.equal(task.idempotencyKey, null);
        assert.deepEqual(task.dependsOn, []);
        assert.equal(task.notBefore, null);
        assert.deepEqual(await store.getTask(task.taskId), task);
      }));

    // SQLite is one node (one client whose writers queue); PostgreSQL gets a second client, as a second node would.
    test("store clients racing to fire the same due schedule create one task", () =>
      withHarness(kind, async (h) => {
        const other =
          kind === "postgres" ? await openControlStore({ ...h.openOptions, migrate: false }) : h.store;
        try {
          const { store } = h;
          const l = await lead(store, "n1");
          for (let round = 0; round < 5; round += 1) {
            const now = (await store.now()).toISOString();
            const s = await store.createSchedule({ ...EVERY_MINUTE, name: `race ${round}`, nextFireAt: now });
            const fire = {
              scope: SCOPE,
              holder: l.holder,
              term: l.term,
              scheduleId: s.scheduleId,
              expectedNextFireAt: now,
              scheduledFor: now,
              nextFireAt: new Date(Date.parse(now) + 60_000).toISOString()
            };
            const outcomes = await Promise.all([
              store.fireSchedule(fire),
              other.fireSchedule(fire),
              store.fireSchedule(fire),
              other.fireSchedule(fire)
            ]);
            assert.equal(outcomes.filter((o) => o.kind === "fired").length, 1, JSON.stringify(outcomes));
            assert.equal(outcomes.filter((o) => o.kind === "stale").length, 3);
            const rows = await h.raw<{ n: number | string }>(
              "select count(*) as n from tasks where schedule_id = $1",
              [s.scheduleId]
            );
            assert.equal(Number(rows[0]?.n), 1);
          }
          // The store itself refuses a second task for one fire, whoever writes it.
          const [task] = await h.raw<{ schedule_id: string; scheduled_for: string }>(
            "select schedule_id, scheduled_for from tasks limit 1"
          );
          await assert.rejects(
            h.raw(
              "insert into tasks (task_id, title, prompt, priority, max_attempts, depends_on, state, attempts_spent, run_count, cancel_requested, created_at, updated_at, schedule_id, scheduled_for) values ('task-dup', 't', 'p', 0, 1, '[]', 'queued', 0, 0, 0, $1, $2, $3, $4)",
              [new Date().toISOString(), new Date().toISOString(), task!.schedule_id, task!.scheduled_for]
            ),
            /unique|UNIQUE/
          );
        } finally {
          if (other !== h.store) await other.close();
        }
      }));
  });
}
