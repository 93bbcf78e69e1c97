import type { FastifyInstance } from "fastify";
import { createConductorApp, type ConductorAppDeps } from "../../src/app.js";
import { normalizeConductorConfig, type ConductorConfigInput } from "../../src/config.js";
import { ConductorRuntime, type ConductorRuntimeOptions } from "../../src/runtime.js";

/** Starts a conductor on 127.0.0.1:0 in front of `codexdBase`; the caller stops it. */
export async function startConductor(
  stateDir: string,
  codexdBase: string,
  overrides: ConductorConfigInput = {},
  options: ConductorRuntimeOptions = {}
): Promise<{ runtime: ConductorRuntime; baseUrl: string }> {
  const runtime = new ConductorRuntime(
    {
      localApiBase: "http://127.0.0.1:0",
      codexdLocalApiBase: codexdBase,
      repoRoot: stateDir,
      paths: { stateDir, runsDir: `${stateDir}/runs` },
      sharedToken: "test-token",
      ...overrides
    },
    { autoStartLoops: false, ...options }
  );
  const snapshot = await runtime.start();
  return { runtime, baseUrl: snapshot.controlApi.localApiBase };
}

export function textSink(): { write(chunk: string): void; read(): string } {
  let text = "";
  return {
    write(chunk: string) {
      text += chunk;
    },
    read: () => text
  };
}

/** An app (not listening) in front of `codexdBase`, with shared token "test-token". */
export function buildApp(
  codexdBase: string,
  overrides: ConductorConfigInput = {},
  extra: Partial<Omit<ConductorAppDeps, "config">> = {}
): FastifyInstance {
  return createConductorApp({
    config: normalizeConductorConfig({ codexdLocalApiBase: codexdBase, repoRoot: "/nonexistent", ...overrides }),
    sharedToken: "test-token",
    ...extra
  });
}
