import { z } from "zod";
import { TASK_STATES } from "../sources/conductor-source.js";

// Ids go into the conductor's URL path: letters, digits and . _ : - only, never first a dot,
// so no id can climb out of its route (`..`) or add a segment.
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;
const id = z
  .string()
  .regex(ID, "letters, digits and . _ : - only, 1-200 characters, not starting with . _ : -");

export const taskParams = z.object({ task_id: id });
export const runParams = z.object({ run_id: id });

/** `GET /v1/tasks`: the conductor's own list query, re-encoded from these fields only. */
export const listTasksQuery = z.strictObject({
  state: z.enum(TASK_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().min(1).max(500).optional()
});

export const runEventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional()
});

export const diffQuery = z.strictObject({
  path: z
    .string()
    .min(1)
    .max(4096)
    .refine((value) => !value.includes("\0"), "no NUL")
    .optional()
});

// Bodies: shapes and bounds are checked here; what the values mean (an empty title, a relative
// cwd, an unknown branch) is the conductor's to judge, so the page shows the conductor's words.
const command = z.string().max(10_000);

export const createTaskBody = z.strictObject({
  title: z.string().max(500),
  prompt: z.string().max(100_000),
  cwd: z.string().max(4096).optional(),
  review: z.enum(["required", "none", "auto_land"]).optional(),
  setup: z
    .strictObject({
      run: z.array(command).max(20).optional(),
      copy: z.array(z.string().max(1024)).max(100).optional()
    })
    .optional(),
  checks: z
    .array(
      z.strictObject({ name: z.string().max(100), run: command, timeoutMs: z.number().int().optional() })
    )
    .max(20)
    .optional(),
  maxCheckRounds: z.number().int().optional()
});

export const reasonBody = z.strictObject({ reason: z.string().max(500).optional() });

const noNul = (value: string) => !value.includes("\0");

/** A comment on one line of the task's diff: `line` is 1-based on that `side` of the patch. */
export const lineComment = z.strictObject({
  path: z.string().min(1).max(4096).refine(noNul, "no NUL"),
  line: z.number().int().min(1).max(10_000_000),
  side: z.enum(["new", "old"]),
  body: z.string().min(1).max(10_000)
});

export const reviseBody = z
  .strictObject({
    comment: z.string().max(100_000).optional(),
    comments: z.array(lineComment).min(1).max(50).optional()
  })
  .refine((body) => body.comment !== undefined || body.comments !== undefined, {
    message: "comment or comments: at least one is required",
    path: ["comment"]
  });

export const landBody = z.strictObject({
  /** Join the target's land queue instead of landing now (the conductor answers 202). */
  queue: z.boolean().optional(),
  method: z.enum(["merge", "squash", "rebase"]).optional(),
  target: z.string().min(1).max(255).optional(),
  push: z.string().min(1).max(255).optional(),
  pullRequest: z
    .strictObject({
      title: z.string().max(500).optional(),
      body: z.string().max(65_536).optional(),
      draft: z.boolean().optional()
    })
    .optional()
});

/** `?a=1&b=2` from the fields that are set, or "" (values encoded; nothing else is appended). */
export function queryString(fields: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}
