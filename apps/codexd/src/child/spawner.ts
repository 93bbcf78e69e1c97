import { spawn } from "node:child_process";
import { delimiter } from "node:path";
import type { ChildLike } from "@baa/app-server-client";
import { resolveCodexBinary } from "@baa/codex-binary";

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string | undefined>;
}

/** How codexd starts its child; tests inject a fake, production uses `defaultSpawner`. */
export interface Spawner {
  spawn(command: string, args: readonly string[], options: SpawnOptions): ChildLike;
}

/**
 * Spawns with pipes on all three streams. The bare command `codex` means the pinned native
 * binary from `@openai/codex`, so a node-side wrapper never stands between codexd and codex.
 */
export const defaultSpawner: Spawner = {
  spawn(command, args, options) {
    let executable = command;
    const env = { ...options.env };
    if (command === "codex") {
      const binary = resolveCodexBinary();
      executable = binary.executable;
      if (binary.pathDir !== undefined) {
        env.PATH = env.PATH ? `${binary.pathDir}${delimiter}${env.PATH}` : binary.pathDir;
      }
    }
    return spawn(executable, [...args], { cwd: options.cwd, env, stdio: ["pipe", "pipe", "pipe"] });
  }
};
