import assert from "node:assert/strict";
import test from "node:test";
import {
  currentLeading,
  decideAfterAttempt,
  leaseTiming,
  type AttemptOutcome,
  type Leading
} from "../../src/leadership/lease-policy.js";

test("timing: renew every third of the TTL; only a standby waits before taking an expired lease", () => {
  const primary = leaseTiming(3000, "primary");
  const standby = leaseTiming(3000, "standby");
  assert.equal(primary.renewEveryMs, 1000);
  assert.equal(primary.takeoverDelayMs, 0);
  assert.equal(standby.takeoverDelayMs, 300);
  assert.ok(primary.marginMs > 0 && primary.marginMs < primary.renewEveryMs);
});

test("a held lease leads until the TTL minus the margin, counted from when the request left", () => {
  const timing = leaseTiming(3000, "primary");
  const first = decideAfterAttempt(timing, null, { kind: "held", term: 4, sentAt: 100 }, 120);
  assert.equal(first.change, "acquired");
  assert.deepEqual(first.leading, { term: 4, validUntil: 100 + 3000 - timing.marginMs });
  assert.equal(
    first.waitMs,
    timing.renewEveryMs - 20,
    "the next renewal is a third of the TTL after this one was sent"
  );
  const slow = decideAfterAttempt(timing, first.leading, { kind: "held", term: 4, sentAt: 1100 }, 2500);
  assert.equal(slow.waitMs, timing.minWaitMs, "a renewal that came back late is followed at once");
  const renewed = decideAfterAttempt(timing, first.leading, { kind: "held", term: 4, sentAt: 1100 }, 1110);
  assert.equal(renewed.change, "renewed");
  const newTerm = decideAfterAttempt(timing, renewed.leading, { kind: "held", term: 5, sentAt: 2100 }, 2110);
  assert.equal(newTerm.change, "acquired", "a different term is a new leadership");
});

test("a leader that learns another holds the lease steps down at once", () => {
  const timing = leaseTiming(3000, "primary");
  const decision = decideAfterAttempt(
    timing,
    { term: 2, validUntil: 5000 },
    { kind: "taken", remainingMs: 2000 },
    1000
  );
  assert.equal(decision.leading, null);
  assert.equal(decision.change, "lost");
});

test("failed renewals keep the leadership only until the deadline, and the retry never waits past it", () => {
  const timing = leaseTiming(3000, "primary");
  const leading: Leading = { term: 2, validUntil: 2500 };
  const before = decideAfterAttempt(timing, leading, { kind: "error" }, 2400);
  assert.deepEqual(before.leading, leading);
  assert.ok(before.waitMs <= 100);
  const after = decideAfterAttempt(timing, leading, { kind: "error" }, 2500);
  assert.equal(after.leading, null);
  assert.equal(after.change, "expired");
  assert.equal(currentLeading(leading, 2499)?.term, 2);
  assert.equal(currentLeading(leading, 2500), null);
});

test("a standby comes back when the lease expires plus its delay, polling at the renew rate at most", () => {
  const standby = leaseTiming(3000, "standby");
  const primary = leaseTiming(3000, "primary");
  assert.equal(decideAfterAttempt(standby, null, { kind: "taken", remainingMs: 200 }, 0).waitMs, 500);
  assert.equal(decideAfterAttempt(primary, null, { kind: "taken", remainingMs: 200 }, 0).waitMs, 200);
  assert.equal(decideAfterAttempt(primary, null, { kind: "taken", remainingMs: 9000 }, 0).waitMs, 1000);
});

// A small seeded generator: fast-check is not a dependency of this app.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

test("property: a node never believes it leads past TTL minus margin after its last successful request", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const rand = random(seed);
    const ttl = 300 + Math.floor(rand() * 20_000);
    const timing = leaseTiming(ttl, rand() < 0.5 ? "primary" : "standby");
    let leading: Leading | null = null;
    let now = 0;
    let lastHeldSentAt = -Infinity;
    for (let step = 0; step < 30; step++) {
      const sentAt = now;
      now += Math.floor(rand() * 5000);
      const pick = rand();
      const attempt: AttemptOutcome =
        pick < 0.4
          ? { kind: "held", term: 1 + Math.floor(rand() * 3), sentAt }
          : pick < 0.7
            ? { kind: "taken", remainingMs: rand() < 0.2 ? null : Math.floor(rand() * 5000) }
            : { kind: "error" };
      const decision = decideAfterAttempt(timing, leading, attempt, now);
      if (attempt.kind === "held") lastHeldSentAt = sentAt;
      leading = decision.leading;
      assert.ok(decision.waitMs >= 1, `seed ${seed}: wait ${decision.waitMs}`);
      if (currentLeading(leading, now) !== null)
        assert.ok(now < lastHeldSentAt + ttl - timing.marginMs, `seed ${seed}`);
      if (attempt.kind === "taken") assert.equal(leading, null, `seed ${seed}: another holder means standby`);
    }
  }
});
