import type { v2 } from "@baa/codex-protocol";

/** What a new thread is started with; what is left out, app-server picks. */
export interface ThreadStartOptions {
  cwd: string;
  model?: string | undefined;
  approvalPolicy?: v2.AskForApproval | undefined;
  sandbox?: v2.SandboxMode | undefined;
  baseInstructions?: string | undefined;
  developerInstructions?: string | undefined;
}

/** `thread/start` params: the approval policy defaults to `never`; unset options are left out. */
export function threadStartParams(options: ThreadStartOptions): v2.ThreadStartParams {
  const params: v2.ThreadStartParams = {
    cwd: options.cwd,
    approvalPolicy: options.approvalPolicy ?? "never"
  };
  if (options.model !== undefined) params.model = options.model;
  if (options.sandbox !== undefined) params.sandbox = options.sandbox;
  if (options.baseInstructions !== undefined) params.baseInstructions = options.baseInstructions;
  if (options.developerInstructions !== undefined) {
    params.developerInstructions = options.developerInstructions;
  }
  return params;
}
