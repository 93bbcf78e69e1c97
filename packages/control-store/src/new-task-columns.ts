import type { NewTask } from "./control-store.js";

/** Attempts a task gets when it names none. */
export const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * A new task's columns from what was asked for, before its id, state and times: the one mapping
 * for every way a task is made (an API create, an issue taken in, a schedule's fire), so each
 * stores the same fields.
 */
export function newTaskColumns(
  input: NewTask,
  resolved: {
    dependsOn: string[];
    notBefore: string | null;
    idempotencyKey: string | null;
    externalKey: string | null;
  }
) {
  return {
    title: input.title,
    prompt: input.prompt,
    cwd: input.cwd ?? null,
    model: input.model ?? null,
    priority: input.priority ?? 0,
    max_attempts: input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    timeout_ms: input.timeoutMs ?? null,
    stall_timeout_ms: input.stallTimeoutMs ?? null,
    depends_on: JSON.stringify(resolved.dependsOn),
    not_before: resolved.notBefore,
    approval_policy: input.approvalPolicy ?? null,
    sandbox: input.sandbox ?? null,
    workspace: input.workspace ?? null,
    review: input.review ?? null,
    notify: input.notify === undefined || input.notify.length === 0 ? null : JSON.stringify(input.notify),
    repo_config:
      input.repoConfig === undefined || input.repoConfig === null ? null : JSON.stringify(input.repoConfig),
    runs_on:
      input.runsOn === undefined || input.runsOn === null || input.runsOn.length === 0
        ? null
        : JSON.stringify([...new Set(input.runsOn)].sort()),
    idempotency_key: resolved.idempotencyKey,
    source: input.source === undefined || input.source === null ? null : JSON.stringify(input.source),
    external_key: resolved.externalKey,
    state_reason: null,
    attempts_spent: 0,
    run_count: 0,
    cancel_requested: 0,
    last_run_id: null,
    ended_at: null
  };
}
