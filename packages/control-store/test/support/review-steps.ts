import assert from "node:assert/strict";
import fc from "fast-check";
import { ENDED_TASK_STATES, type ControlStore, type TaskState } from "../../src/index.js";

/** Review and land actions a person takes, for the property test's random interleavings. */
export type ReviewStep =
  | { kind: "revise"; pick: number }
  | { kind: "beginLand"; pick: number }
  | { kind: "endLand"; pick: number; landed: boolean }
  | { kind: "discard"; pick: number }
  | { kind: "recoverLandings" };

const w = (weight: number, arbitrary: fc.Arbitrary<ReviewStep>) => ({ weight, arbitrary });
export const reviewStep: fc.Arbitrary<ReviewStep> = fc.oneof(
  w(3, fc.record({ kind: fc.constant("revise" as const), pick: fc.nat() })),
  w(3, fc.record({ kind: fc.constant("beginLand" as const), pick: fc.nat() })),
  w(3, fc.record({ kind: fc.constant("endLand" as const), pick: fc.nat(), landed: fc.boolean() })),
  w(1, fc.record({ kind: fc.constant("discard" as const), pick: fc.nat() })),
  w(1, fc.record({ kind: fc.constant("recoverLandings" as const) }))
);

export interface ReviewWorld {
  tasks: string[];
  /** Attempts spent per task as the test counts them (a revise resets them). */
  spent: Map<string, number>;
  /** The state each task in `landing` began from, to restore it. */
  landingFrom: Map<string, "in_review" | "succeeded">;
}

const ACTS_ON: Record<Exclude<ReviewStep["kind"], "recoverLandings">, TaskState[]> = {
  revise: ["in_review", ...ENDED_TASK_STATES],
  beginLand: ["in_review", "succeeded"],
  endLand: ["landing"],
  discard: ["in_review"]
};

const LAND = { method: "merge" as const, target: "main", commit: "tip", remote: null, pullRequest: null };

/** Applies one step and checks the store took it exactly when the task's state allowed it. */
export async function applyReviewStep(
  store: ControlStore,
  w: ReviewWorld,
  s: ReviewStep
): Promise<string | undefined> {
  if (s.kind === "recoverLandings") {
    const later = new Date((await store.now()).getTime() + 1_000).toISOString();
    const recovered = await store.recoverLandings(later);
    for (const taskId of recovered) {
      assert.equal((await store.getTask(taskId))?.state, "in_review");
      w.landingFrom.delete(taskId);
    }
    return recovered.length > 0 ? "landing recovered" : undefined;
  }
  if (w.tasks.length === 0) return undefined;
  // Half the picks go to a task the step can act on, so the actions happen often enough to
  // matter; the other half go to any task, so refusals are checked too.
  let pool = w.tasks;
  if (s.pick % 2 === 0) {
    const states = await Promise.all(
      w.tasks.map(async (id) => [id, (await store.getTask(id))!.state] as const)
    );
    const fitting = states.filter(([, state]) => ACTS_ON[s.kind].includes(state)).map(([id]) => id);
    if (fitting.length > 0) pool = fitting;
  }
  const taskId = pool[Math.floor(s.pick / 2) % pool.length]!;
  const before = (await store.getTask(taskId))!;
  switch (s.kind) {
    case "revise": {
      const allowed =
        (before.state === "in_review" || ENDED_TASK_STATES.has(before.state)) && before.baseBranch !== null;
      const outcome = await store.reviseTask(taskId, "again");
      assert.equal(outcome?.kind, allowed ? "revised" : "not_revisable", `revise from ${before.state}`);
      if (!allowed) return undefined;
      w.spent.set(taskId, 0);
      assert.equal(outcome?.task.round, before.round + 1);
      return "revised";
    }
    case "beginLand": {
      const allowed =
        before.state === "in_review" || (before.state === "succeeded" && before.baseBranch !== null);
      const outcome = await store.beginLanding(taskId);
      assert.equal(outcome?.kind, allowed ? "begun" : "wrong_state", `land from ${before.state}`);
      if (outcome?.kind === "begun") w.landingFrom.set(taskId, outcome.from);
      return allowed ? "land begun" : undefined;
    }
    case "endLand": {
      const from = w.landingFrom.get(taskId) ?? "in_review";
      const ok = await store.endLanding(
        taskId,
        s.landed ? { kind: "landed", landing: LAND } : { kind: "restore", state: from, reason: "refused" }
      );
      assert.equal(ok, before.state === "landing", `end a land from ${before.state}`);
      w.landingFrom.delete(taskId);
      if (ok) assert.equal((await store.getTask(taskId))?.state, s.landed ? "landed" : from);
      return ok ? "land ended" : undefined;
    }
    case "discard": {
      const discarded = await store.discardTask(taskId);
      assert.equal(
        discarded?.state ?? null,
        before.state === "in_review" ? "discarded" : null,
        `discard from ${before.state}`
      );
      return discarded ? "discarded" : undefined;
    }
  }
}
