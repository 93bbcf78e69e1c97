import { isAbsolute } from "node:path";
import { TASK_STATES, type NewTask } from "@baa/control-store";
import { z } from "zod";
import { repoConfigSchema, setupSchema } from "../checks/repo-config.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** `POST /v1/tasks`. Unknown keys are refused by name. */
export const createTaskBody = z.strictObject({
  title: z.string().trim().min(1).max(500),
  prompt: z.string().min(1).max(100_000),
  cwd: z.string().min(1).max(4096).refine(isAbsolute, "must be an absolute path").optional(),
  // Blank would reach codex as no model, which it refuses at the run's thread/start.
  model: z.string().min(1).max(200).regex(/\S/, "must not be blank").optional(),
  /** Higher runs first. */
  priority: z.number().int().min(-1000).max(1000).optional(),
  maxAttempts: z.number().int().min(1).max(100).optional(),
  timeoutMs: z
    .number()
    .int()
    .min(1)
    .max(7 * DAY_MS)
    .optional(),
  stallTimeoutMs: z.number().int().min(1).max(DAY_MS).optional(),
  dependsOn: z.array(z.string().min(1).max(200)).max(100).optional(),
  notBefore: z.iso.datetime({ offset: true }).optional(),
  approvalPolicy: z.enum(["untrusted", "on-request", "never"]).optional(),
  sandbox: z.enum(["read-only", "workspace-write", "danger-full-access"]).optional(),
  workspace: z.enum(["worktree", "shared"]).optional(),
  /** Labels a node must have (BAA_NODE_LABELS) to claim the task; its cwd need not exist on the node that receives it. */
  runsOn: z.array(z.string().trim().min(1).max(100)).min(1).max(20).optional(),
  /** After a successful worktree run: wait for a person (default), end as before, or land at once. */
  review: z.enum(["required", "none", "auto_land"]).optional(),
  /** Where this task's notifications go too (beside BAA_NOTIFY_URLS). */
  notify: z
    .array(z.url({ protocol: /^https?$/ }).max(2000))
    .max(10)
    .optional(),
  /** Each replaces the same key of the repository's `.baa/config.json` for this task. */
  setup: setupSchema.optional(),
  checks: repoConfigSchema.shape.checks,
  maxCheckRounds: repoConfigSchema.shape.maxCheckRounds
});

export const idempotencyKeyHeader = z.string().trim().min(1).max(200).optional();

/** `POST /v1/tasks` headers: an optional `Idempotency-Key`; the others pass through untouched. */
export const idempotencyHeaders = z.looseObject({ "idempotency-key": idempotencyKeyHeader });

export const listTasksQuery = z.strictObject({
  state: z.enum(TASK_STATES as [string, ...string[]]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(500).optional()
});

export const taskParams = z.object({ task_id: z.string().min(1).max(200) });
export const runParams = z.object({ run_id: z.string().min(1).max(200) });

export const cancelBody = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() }).optional();

export const runEventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  type: z.string().min(1).max(200).optional()
});

export const taskEventsSocketQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional()
});

/**
 * The store's NewTask from a create body (a task's, or a schedule's task): the repository-config
 * keys go together as the task's override.
 */
export function newTaskOf<B extends Omit<z.infer<typeof createTaskBody>, "dependsOn" | "notBefore">>(
  body: B
): Omit<B, "setup" | "checks" | "maxCheckRounds"> & Pick<NewTask, "repoConfig"> {
  const { setup, checks, maxCheckRounds, ...rest } = body;
  const repoConfig = {
    ...(setup === undefined ? {} : { setup }),
    ...(checks === undefined ? {} : { checks }),
    ...(maxCheckRounds === undefined ? {} : { maxCheckRounds })
  };
  return { ...rest, repoConfig: Object.keys(repoConfig).length === 0 ? null : repoConfig };
}
