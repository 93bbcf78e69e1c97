import { z } from "zod";

// A git ref name as git itself would take it (git check-ref-format, the common part).
const refName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!.*\.lock$)[^\s~^:?*[\\\x00-\x1f\x7f]+(?<![./])$/, "must be a branch name");
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

export const reviseBody = z.strictObject({
  comment: z.string().trim().min(1).max(100_000)
});

export const landBody = z
  .strictObject({
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
  .default({});

export const discardBody = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() }).optional();
