import assert from "node:assert/strict";
import test from "node:test";
import {
  decideFire,
  LATE_GRACE_MS,
  nextFireAfter,
  scheduleProblem
} from "../../src/schedules/cron-schedule.js";

test("five and six fields (seconds first) are accepted; anything else is a problem naming the field", () => {
  assert.equal(scheduleProblem("0 3 * * *", "UTC"), null);
  assert.equal(scheduleProblem("*/2 * * * * *", "Europe/Paris"), null);
  assert.equal(scheduleProblem("0 0 3 * * * 2030", "UTC")?.field, "cron");
  assert.equal(scheduleProblem("* *", "UTC")?.field, "cron");
  const bad = scheduleProblem("61 * * * *", "UTC");
  assert.equal(bad?.field, "cron");
  assert.match(bad!.message, /61 \* \* \* \*/);
  assert.equal(scheduleProblem("0 3 30 2 *", "UTC")?.field, "cron", "February 30 never comes");
  const zone = scheduleProblem("0 3 * * *", "Mars/Olympus");
  assert.equal(zone?.field, "timezone");
  assert.match(zone!.message, /Mars\/Olympus/);
});

test("the next fire is read in the schedule's time zone and is strictly after `from`", () => {
  assert.equal(
    nextFireAfter("0 9 * * *", "Europe/Paris", "2030-01-01T00:00:00.000Z"),
    "2030-01-01T08:00:00.000Z"
  );
  assert.equal(
    nextFireAfter("0 9 * * *", "Europe/Paris", "2030-07-01T00:00:00.000Z"),
    "2030-07-01T07:00:00.000Z"
  );
  assert.equal(nextFireAfter("*/2 * * * * *", "UTC", "2030-01-01T00:00:04.000Z"), "2030-01-01T00:00:06.000Z");
});

test("an on-time fire creates its task; after a gap, `one` creates the latest missed fire and `none` skips", () => {
  const base = { cron: "*/2 * * * * *", timezone: "UTC", nextFireAt: "2030-01-01T00:00:10.000Z" };
  assert.deepEqual(decideFire({ ...base, catchUp: "none" }, "2030-01-01T00:00:10.300Z"), {
    scheduledFor: "2030-01-01T00:00:10.000Z",
    nextFireAt: "2030-01-01T00:00:12.000Z"
  });
  // A little late (within the grace), even with fires in between: still the latest, once.
  assert.deepEqual(decideFire({ ...base, catchUp: "none" }, "2030-01-01T00:00:12.500Z"), {
    scheduledFor: "2030-01-01T00:00:12.000Z",
    nextFireAt: "2030-01-01T00:00:14.000Z"
  });
  const afterGap = "2030-01-01T00:01:00.500Z";
  assert.deepEqual(decideFire({ ...base, catchUp: "one" }, afterGap), {
    scheduledFor: "2030-01-01T00:01:00.000Z",
    nextFireAt: "2030-01-01T00:01:02.000Z"
  });
  const hourly = { cron: "0 * * * *", timezone: "UTC", nextFireAt: "2030-01-01T01:00:00.000Z" };
  assert.deepEqual(decideFire({ ...hourly, catchUp: "one" }, "2030-01-01T05:30:00.000Z"), {
    scheduledFor: "2030-01-01T05:00:00.000Z",
    nextFireAt: "2030-01-01T06:00:00.000Z"
  });
  assert.deepEqual(decideFire({ ...hourly, catchUp: "none" }, "2030-01-01T05:30:00.000Z"), {
    scheduledFor: null,
    nextFireAt: "2030-01-01T06:00:00.000Z"
  });
  const justLate = new Date(Date.parse("2030-01-01T05:00:00.000Z") + LATE_GRACE_MS).toISOString();
  assert.equal(
    decideFire({ ...hourly, catchUp: "none" }, justLate)?.scheduledFor,
    "2030-01-01T05:00:00.000Z"
  );
});
