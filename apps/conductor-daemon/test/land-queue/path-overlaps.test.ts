import assert from "node:assert/strict";
import test from "node:test";
import { overlapsAmong, sameOverlaps } from "../../src/land-queue/path-overlaps.js";

test("overlaps are symmetric, sorted, and only where paths are shared", () => {
  const result = overlapsAmong(
    new Map([
      ["task-c", ["z.ts", "a.txt"]],
      ["task-a", ["a.txt", "b.txt", "z.ts"]],
      ["task-b", ["b.txt"]],
      ["task-d", ["alone.md"]]
    ])
  );
  assert.deepEqual(result.get("task-a"), [
    { taskId: "task-b", paths: ["b.txt"] },
    { taskId: "task-c", paths: ["a.txt", "z.ts"] }
  ]);
  assert.deepEqual(result.get("task-b"), [{ taskId: "task-a", paths: ["b.txt"] }]);
  assert.deepEqual(result.get("task-c"), [{ taskId: "task-a", paths: ["a.txt", "z.ts"] }]);
  assert.deepEqual(result.get("task-d"), []);
  assert.equal(sameOverlaps(result.get("task-b") ?? [], [{ taskId: "task-a", paths: ["b.txt"] }]), true);
  assert.equal(sameOverlaps(result.get("task-b") ?? [], []), false);
});
