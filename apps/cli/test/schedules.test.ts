// `baa schedules …` against a loopback fake of the conductor: what each action sends, and what it prints.
import assert from "node:assert/strict";
import test from "node:test";
import { ExitCode } from "../src/index.js";
import { fakeConductor, ok, refused, runBaa } from "./fake-conductor.js";

const schedule = {
  scheduleId: "schedule-1",
  name: "nightly",
  cron: "0 3 * * *",
  timezone: "Europe/Paris",
  paused: false,
  catchUp: "one",
  nextFireAt: "2030-01-02T02:00:00.000Z",
  lastFireAt: null,
  lastTaskId: null,
  task: { title: "bump", prompt: "bump deps", cwd: "/w" }
};

test("schedules add sends the cron, the zone, catchUp and the task as tasks add would; list, show, pause, resume, rm", async () => {
  const fake = await fakeConductor({
    "POST /v1/schedules": { status: 201, body: { ok: true, data: { schedule } } },
    "GET /v1/schedules": ok({
      schedules: [schedule, { ...schedule, scheduleId: "schedule-2", paused: true, nextFireAt: null }]
    }),
    "GET /v1/schedules/schedule-1": ok({ schedule }),
    "POST /v1/schedules/schedule-1/pause": ok({ schedule: { ...schedule, paused: true, nextFireAt: null } }),
    "POST /v1/schedules/schedule-1/resume": ok({ schedule }),
    "DELETE /v1/schedules/schedule-1": ok({ schedule, deleted: true }),
    "GET /v1/schedules/schedule-9": refused(404, "schedule_not_found", "no schedule schedule-9")
  });
  try {
    const added = await runBaa(
      [
        "schedules",
        "add",
        "nightly",
        "bump deps",
        "--cron",
        "0 3 * * *",
        "--timezone",
        "Europe/Paris",
        "--catch-up",
        "none",
        "--title",
        "bump"
      ],
      { base: fake.base, cwd: "/w" }
    );
    assert.equal(added.code, ExitCode.ok, added.stderr);
    assert.equal(added.stdout, "schedule-1 (next fire 2030-01-02T02:00:00.000Z)\n");
    assert.deepEqual(fake.seen[0]!.body, {
      name: "nightly",
      cron: "0 3 * * *",
      timezone: "Europe/Paris",
      catchUp: "none",
      task: { title: "bump", prompt: "bump deps", cwd: "/w" }
    });

    const list = await runBaa(["schedules", "list"], { base: fake.base });
    assert.match(
      list.stdout,
      /schedule-1\s+nightly\s+0 3 \* \* \*\s+Europe\/Paris\s+2030-01-02T02:00:00.000Z/
    );
    assert.match(list.stdout, /schedule-2 .* paused/);
    const json = await runBaa(["schedules", "list", "--json"], { base: fake.base });
    assert.equal(JSON.parse(json.stdout).schedules.length, 2);

    assert.match(
      (await runBaa(["schedules", "show", "schedule-1"], { base: fake.base })).stdout,
      /next fire {2}2030-01-02T02:00:00.000Z/
    );
    assert.equal(
      (await runBaa(["schedules", "pause", "schedule-1"], { base: fake.base })).stdout,
      "schedule-1 paused\n"
    );
    assert.match(
      (await runBaa(["schedules", "resume", "schedule-1"], { base: fake.base })).stdout,
      /resumed \(next fire/
    );
    assert.equal(
      (await runBaa(["schedules", "rm", "schedule-1"], { base: fake.base })).stdout,
      "schedule-1 deleted (its tasks stay)\n"
    );

    const missing = await runBaa(["schedules", "show", "schedule-9"], { base: fake.base });
    assert.notEqual(missing.code, ExitCode.ok);
    assert.match(missing.stderr, /no schedule schedule-9/);
    const usage = await runBaa(["schedules", "add", "nightly", "p"], { base: fake.base });
    assert.equal(usage.code, ExitCode.usage);
    assert.match(usage.stderr, /--cron CRON/);
  } finally {
    await fake.close();
  }
});
