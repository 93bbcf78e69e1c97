// What main.ts runs (from the bundle when it is fresh, docs/runtime/bundle.md). `start` spawns
// the codex child first, from the config alone, so `codex app-server` boots while the rest of
// codexd (the HTTP stack) loads; the service takes that child over (docs/runtime/codexd.md).
import { spawnEarly, type EarlySpawner } from "./child/early-child.js";
import { resolveCodexdConfig, type CodexdConfig } from "./config.js";

function childAhead(argv: readonly string[], env: NodeJS.ProcessEnv): EarlySpawner | undefined {
  if (argv[2] !== "start") return undefined;
  let config: CodexdConfig;
  try {
    config = resolveCodexdConfig({ argv: argv.slice(3), env });
  } catch (error) {
    // The command line parses it again below and reports the error with the usage.
    void error;
    return undefined;
  }
  // Demo mode points the child at a model codexd starts first.
  if (config.demo) return undefined;
  const { childCommand, childArgs, childCwd } = config.server;
  return spawnEarly(childCommand, childArgs, { cwd: childCwd, env: { ...env } });
}

// No top-level await: the bundle that runs this is CommonJS (scripts/bundle.mjs, for the code cache).
async function main(): Promise<never> {
  const early = childAhead(process.argv, process.env);
  const { runCodexdCli } = await import("./cli.js");
  const code = await runCodexdCli({
    argv: process.argv,
    env: process.env,
    processLike: process,
    ...(early === undefined ? {} : { spawner: early })
  });
  early?.discard();
  return process.exit(code);
}

main().catch((error: unknown) => {
  // What an uncaught error at the top level would have printed, and its exit status.
  console.error(error);
  process.exit(1);
});
