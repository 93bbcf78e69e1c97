import { mkdirSync } from "node:fs";
import { startMockModel, writeCodexHome, type MockModel } from "@baa/mock-model";
import { makeTempDir, type TempDir } from "@baa/test-support";
import {
  CodexdLocalService,
  resolveCodexdConfig,
  type CodexdConfigInput,
  type CodexdDeps
} from "../../apps/codexd/dist/index.js";
import { ConductorRuntime, type ConductorConfigInput } from "../../apps/conductor-daemon/dist/index.js";

/** The conductor's bearer token in the real stack (tokens have at least 32 characters). */
export const E2E_TOKEN = "e2e-token-0123456789abcdef0123456789";

export interface RealStack {
  dir: TempDir;
  model: MockModel;
  codexd: CodexdLocalService;
  codexdBase: string;
  conductor: ConductorRuntime;
  conductorBase: string;
  /** Stops codexd (as a crash would leave things, or gracefully) and starts a new one on the same dirs and port. */
  restartCodexd(): Promise<CodexdLocalService>;
  stop(): Promise<void>;
}

/**
 * The whole path a user exercises: the mock model on loopback, codexd running the real pinned
 * `codex app-server`, and the conductor proxying to it. Everything lives in one temp dir.
 */
export async function startRealStack(
  options: {
    codexd?: Partial<CodexdConfigInput>;
    /** Injected into codexd (e.g. a `stateFs` that fails writes). */
    codexdDeps?: Partial<CodexdDeps>;
    /** Merged over the conductor's test config (paths too). */
    conductor?: Partial<ConductorConfigInput>;
    /** Start the conductor's lease, system and scheduler loops (default false: a proxy only). */
    autoStartLoops?: boolean;
  } = {}
): Promise<RealStack> {
  const dir = makeTempDir("baa-e2e-");
  const model = await startMockModel();
  const stack: Partial<RealStack> = { dir, model };
  try {
    const codexHome = dir.path("codex-home");
    writeCodexHome(codexHome, model.baseUrl);
    const workdir = dir.path("repo");
    mkdirSync(workdir, { recursive: true });
    const makeCodexd = (localApiBase: string) =>
      new CodexdLocalService(
        resolveCodexdConfig({
          env: {},
          repoRoot: workdir,
          logsDir: dir.path("logs"),
          stateDir: dir.path("state"),
          localApiBase,
          ...options.codexd
        }),
        { env: { ...process.env, CODEX_HOME: codexHome }, ...options.codexdDeps }
      );
    const codexd = makeCodexd("http://127.0.0.1:0");
    stack.codexd = codexd;
    const codexdBase = (await codexd.start()).service.resolvedBaseUrl as string;
    const conductor = new ConductorRuntime(
      {
        codexdLocalApiBase: codexdBase,
        localApiBase: "http://127.0.0.1:0",
        nodeId: "e2e-node",
        role: "primary",
        sharedToken: E2E_TOKEN,
        ...options.conductor,
        paths: {
          stateDir: dir.path("conductor-state"),
          runsDir: dir.path("runs"),
          logsDir: dir.path("conductor-logs"),
          ...options.conductor?.paths
        }
      },
      { autoStartLoops: options.autoStartLoops ?? false }
    );
    stack.conductor = conductor;
    const snapshot = await conductor.start();
    const result: RealStack = {
      dir,
      model,
      codexd,
      codexdBase,
      conductor,
      conductorBase: snapshot.controlApi.localApiBase,
      restartCodexd: async () => {
        await result.codexd.stop();
        result.codexd = makeCodexd(codexdBase);
        stack.codexd = result.codexd;
        await result.codexd.start();
        return result.codexd;
      },
      stop: () => stopStack(stack)
    };
    return result;
  } catch (error) {
    await stopStack(stack);
    throw error;
  }
}

async function stopStack(stack: Partial<RealStack>): Promise<void> {
  await stack.conductor?.stop().catch(() => {});
  await stack.codexd?.stop().catch(() => {});
  await stack.model?.close().catch(() => {});
  stack.dir?.remove();
}
