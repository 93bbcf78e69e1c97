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
      sharedToken: "test-token-0123456789abcdef012345",
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

/** An app (not listening) in front of `codexdBase`, with shared token "test-token-0123456789abcdef012345". */
export function buildApp(
  codexdBase: string,
  overrides: ConductorConfigInput = {},
  extra: Partial<Omit<ConductorAppDeps, "config">> = {}
): FastifyInstance {
  return createConductorApp({
    // Configured as if on port 80: inject sends `Host: localhost:80`, which the browser guard accepts then.
    config: normalizeConductorConfig({
      codexdLocalApiBase: codexdBase,
      localApiBase: "http://127.0.0.1:80",
      repoRoot: "/nonexistent",
      ...overrides
    }),
    sharedToken: "test-token-0123456789abcdef012345",
    ...extra
  });
}
