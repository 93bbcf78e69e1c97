import assert from "node:assert/strict";
import test from "node:test";
import { parseUsageLimitReset, quotaPauseUntil } from "../../src/scheduler/usage-limit-reset.js";

const at = (h: number, m: number, day = 1) => new Date(2026, 2, day, h, m).getTime();

test("the reset time of codex 0.169's usage-limit message, in local time", () => {
  const now = at(9, 0);
  assert.equal(parseUsageLimitReset("You’ve hit your usage limit. … try again at 9:21 AM.", now), at(9, 21));
  assert.equal(parseUsageLimitReset("… or try again at 12:05 PM.", now), at(12, 5));
  assert.equal(parseUsageLimitReset("… or try again at 12:05 AM.", now), at(0, 5, 2), "past today: tomorrow");
  assert.equal(parseUsageLimitReset("… try again at Mar 3rd, 2026 7:00 PM.", now), at(19, 0, 3));
  assert.equal(parseUsageLimitReset("… try again at 17:45.", now), at(17, 45));
  assert.equal(parseUsageLimitReset("You’ve hit your usage limit.", now), undefined);
  assert.equal(parseUsageLimitReset("try again at 13:61 PM", now), undefined);
});

test("the pause lasts until the reset, within bounds, or the fallback", () => {
  const policy = { fallbackMs: 900_000, minMs: 1000, maxMs: 3_600_000 };
  const now = at(9, 0);
  assert.equal(quotaPauseUntil("try again at 9:30 AM", now, policy), at(9, 30));
  assert.equal(quotaPauseUntil("no time here", now, policy), now + 900_000);
  assert.equal(quotaPauseUntil("try again at 8:00 PM", now, policy), now + 3_600_000, "capped");
});
