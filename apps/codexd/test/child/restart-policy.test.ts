import assert from "node:assert/strict";
import test from "node:test";
import { decideRestart, type RestartPolicy } from "../../src/child/restart-policy.js";

const policy: RestartPolicy = { baseDelayMs: 100, maxDelayMs: 1000, crashLoopLimit: 4, windowMs: 10_000 };

test("delays double per recent exit, stay within [ceiling/2, ceiling], and are capped", () => {
  const at = 100_000;
  const exits = (n: number) => Array.from({ length: n }, (_, i) => at - i);
  const low = [1, 2, 3].map((n) => decideRestart(policy, exits(n), at, () => 0));
  const high = [1, 2, 3].map((n) => decideRestart(policy, exits(n), at, () => 1));
  assert.deepEqual(
    low.map((d) => (d.action === "restart" ? d.delayMs : -1)),
    [50, 100, 200]
  );
  assert.deepEqual(
    high.map((d) => (d.action === "restart" ? d.delayMs : -1)),
    [100, 200, 400]
  );
  const capped = decideRestart({ ...policy, crashLoopLimit: 50 }, exits(20), at, () => 1);
  assert.equal(capped.action === "restart" && capped.delayMs, 1000);
});

test("the limit-th exit inside the window gives up with a reason", () => {
  const decision = decideRestart(policy, [1, 2, 3, 4], 5, () => 0.5);
  assert.equal(decision.action, "give_up");
  assert.match(decision.action === "give_up" ? decision.reason : "", /crash loop: .*4 times/);
});

test("exits older than the window do not count", () => {
  const decision = decideRestart(policy, [0, 1, 2, 50_000], 50_000, () => 0);
  assert.equal(decision.action, "restart");
});
