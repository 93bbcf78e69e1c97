import type { NewTask } from "./control-store.js";
import { REVIEW_POLICIES } from "./records.js";

/** Largest value the integer columns hold on both engines. */
const INT32_MAX = 2_147_483_647;

function integerIn(value: unknown, field: string, min: number, max: number): void {
  if (value === undefined || value === null) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${field} must be an integer from ${min} to ${max}`);
  }
}

/**
 * The store's own check of what it is asked to keep, so a bad value is a caller's error
 * (TypeError naming the field) and never reaches the engine as a 503. The API validates first.
 */
export function checkNewTask(task: NewTask): void {
  if (typeof task.title !== "string" || task.title.length === 0)
    throw new TypeError("title must be a non-empty string");
  if (typeof task.prompt !== "string" || task.prompt.length === 0)
    throw new TypeError("prompt must be a non-empty string");
  integerIn(task.priority, "priority", -INT32_MAX, INT32_MAX);
  integerIn(task.maxAttempts, "maxAttempts", 1, INT32_MAX);
  integerIn(task.timeoutMs, "timeoutMs", 1, Number.MAX_SAFE_INTEGER);
  integerIn(task.stallTimeoutMs, "stallTimeoutMs", 1, Number.MAX_SAFE_INTEGER);
  if (
    task.dependsOn !== undefined &&
    (!Array.isArray(task.dependsOn) || task.dependsOn.some((id) => typeof id !== "string"))
  ) {
    throw new TypeError("dependsOn must be an array of task ids");
  }
  if (
    task.workspace !== undefined &&
    task.workspace !== null &&
    task.workspace !== "worktree" &&
    task.workspace !== "shared"
  ) {
    throw new TypeError("workspace must be worktree or shared");
  }
  if (task.review !== undefined && task.review !== null && !REVIEW_POLICIES.includes(task.review)) {
    throw new TypeError(`review must be one of ${REVIEW_POLICIES.join(", ")}`);
  }
}
