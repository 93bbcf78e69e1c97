import { z } from "zod";

// A git ref name as git itself would take it (git check-ref-format, the common part).
const refName = z
  .string()
  .min(1)
  .max(255)
  .regex(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: git refuses control characters in ref names.
    /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!.*\.lock$)[^\s~^:?*[\\\x00-\x1f\x7f]+(?<![./])$/,
    "must be a branch name"
  );
const remoteName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be a remote's name");

export const diffQuery = z.strictObject({
  path: z.string().min(1).max(4096).optional(),
  /** `patch`: the patch alone as text/x-diff. */
  format: z.enum(["json", "patch"]).default("json")
});

export const lineCommentSchema = z.strictObject({
  path: z.string().min(1).max(4096),
  line: z.number().int().min(1),
  side: z.enum(["new", "old"]).default("new"),
  body: z.string().trim().min(1).max(20_000)
});

/** A general comment, line comments on the diff, or both. */
export const reviseBody = z
  .strictObject({
    comment: z.string().trim().min(1).max(100_000).optional(),
    comments: z.array(lineCommentSchema).min(1).max(50).optional()
  })
  .refine((body) => body.comment !== undefined || body.comments !== undefined, "needs comment or comments");

export const landBody = z
  .strictObject({
    /** Join the merge queue of the repository and target instead of landing now. */
    queue: z.boolean().optional(),
    method: z.enum(["merge", "squash", "rebase"]).optional(),
    target: refName.optional(),
    push: remoteName.optional(),
    pullRequest: z
      .strictObject({
        title: z.string().trim().min(1).max(256).optional(),
        body: z.string().max(65_536).optional(),
        draft: z.boolean().optional()
      })
      .optional()
  })
  .refine((body) => !(body.queue === true && (body.push !== undefined || body.pullRequest !== undefined)), {
    message: "queue lands locally; it does not take push or pullRequest",
    path: ["queue"]
  })
  .default({});

export const discardBody = z
  .strictObject({ reason: z.string().trim().min(1).max(500).optional() })
  .optional();
