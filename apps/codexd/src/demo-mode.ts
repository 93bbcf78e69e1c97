import { demoReply, startMockModel, writeCodexHome } from "@baa/mock-model";

export interface DemoModel {
  url: string;
  close(): Promise<void>;
}

/**
 * Demo mode: the bundled loopback mock model plus a CODEX_HOME that points codex at it, so a
 * first run shows a turn complete without an OpenAI login. Never used unless asked for.
 * The model is {@link demoReply}: in a conductor task's workspace it runs a shell command that
 * writes a note, so a task ends with a change to review and land; elsewhere it echoes. Codex's
 * default sandbox is `read-only`, and the conductor names none unless the task does, so the
 * demo's codex defaults to `workspace-write`: the command can write in the task's worktree.
 */
export async function startDemoModel(codexHome: string): Promise<DemoModel> {
  const model = await startMockModel({ defaultReply: demoReply });
  writeCodexHome(codexHome, model.baseUrl, { sandboxMode: "workspace-write" });
  return { url: model.url, close: () => model.close() };
}
