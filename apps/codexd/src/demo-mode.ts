import { startMockModel, writeCodexHome } from "@baa/mock-model";

export interface DemoModel {
  url: string;
  close(): Promise<void>;
}

/**
 * Demo mode: the bundled loopback mock model plus a CODEX_HOME that points codex at it, so a
 * first run shows a turn complete without an OpenAI login. Never used unless asked for.
 */
export async function startDemoModel(codexHome: string): Promise<DemoModel> {
  const model = await startMockModel();
  writeCodexHome(codexHome, model.baseUrl);
  return { url: model.url, close: () => model.close() };
}
