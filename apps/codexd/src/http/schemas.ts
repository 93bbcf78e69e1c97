import { isAbsolute } from "node:path";
import { z } from "zod";

const text = z.string().min(1).max(100_000);
// codex (0.171) takes a blank model as none set and refuses the thread: refused here as bad input.
const modelName = z.string().min(1).max(200).regex(/\S/, "must not be blank");

export const createSessionBody = z.object({
  cwd: z.string().min(1).refine(isAbsolute, "must be an absolute path").optional(),
  model: modelName.optional(),
  purpose: z.string().min(1).max(200).optional(),
  approvalPolicy: z.enum(["untrusted", "on-request", "never"]).optional(),
  sandbox: z.enum(["read-only", "workspace-write", "danger-full-access"]).optional(),
  baseInstructions: text.optional(),
  developerInstructions: text.optional(),
  threadId: z.string().min(1).max(200).optional()
});

const textInputItem = z.object({ type: z.literal("text"), text: z.string().min(1) }).transform((item) => ({
  type: "text" as const,
  text: item.text,
  text_elements: []
}));

export const turnInput = z.union([z.string().min(1), z.array(textInputItem).min(1)]);

export const startTurnBody = z.object({
  sessionId: z.string().min(1).max(200),
  input: turnInput
});

export const sessionParams = z.object({ session_id: z.string().min(1).max(200) });

export const steerTurnBody = startTurnBody;

export const interruptTurnBody = z.object({
  sessionId: z.string().min(1).max(200),
  turnId: z.string().min(1).max(200).optional()
});
