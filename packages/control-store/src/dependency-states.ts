import type { TaskState } from "./records.js";

/** A dependency in one of these lets its dependents run: a landed task's work is as done as a succeeded one's. */
export const DONE_DEPENDENCY: TaskState[] = ["succeeded", "landed"];

/**
 * A dependency in one of these fails its blocked dependents (with the reason). Any other state
 * (including `in_review` and `landing`: the work waits on a person) keeps them blocked.
 */
export const FAILED_DEPENDENCY: TaskState[] = ["failed", "cancelled", "timed_out", "discarded"];
