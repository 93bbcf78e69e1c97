import type { AppServerClient } from "@baa/app-server-client";
import type { v2 } from "@baa/codex-protocol";
import { unknownThreadOr } from "../child/app-server-errors.js";

/** The settings a resumed thread is given; what is left out, the thread keeps or app-server picks. */
export interface ThreadResumeSettings {
  threadId: string;
  cwd?: string;
  model?: string;
  approvalPolicy?: v2.AskForApproval;
  sandbox?: v2.SandboxMode;
  baseInstructions?: string;
  developerInstructions?: string;
}

/**
 * Re-attaches a thread app-server has on disk (`thread/resume`): both when codexd recovers its
 * sessions on a new child and when a session is opened on an existing thread. The history is not
 * sent back (`excludeTurns`); the thread's next turn carries it to the model all the same.
 * An unknown thread is `thread_not_found`.
 */
export async function resumeThread(
  client: AppServerClient,
  settings: ThreadResumeSettings
): Promise<v2.ThreadResumeResponse> {
  const params: v2.ThreadResumeParams = { threadId: settings.threadId, excludeTurns: true };
  if (settings.cwd !== undefined) params.cwd = settings.cwd;
  if (settings.model !== undefined) params.model = settings.model;
  if (settings.approvalPolicy !== undefined) params.approvalPolicy = settings.approvalPolicy;
  if (settings.sandbox !== undefined) params.sandbox = settings.sandbox;
  if (settings.baseInstructions !== undefined) params.baseInstructions = settings.baseInstructions;
  if (settings.developerInstructions !== undefined)
    params.developerInstructions = settings.developerInstructions;
  try {
    return await client.threadResume(params);
  } catch (error) {
    throw unknownThreadOr(error, settings.threadId);
  }
}
