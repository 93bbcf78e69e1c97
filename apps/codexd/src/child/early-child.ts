import type { EventEmitter } from "node:events";
import type { ChildLike } from "@baa/app-server-client";
import { defaultSpawner, type SpawnOptions, type Spawner } from "./spawner.js";

/** A spawner holding one child started ahead of time; `discard` kills it if nobody took it. */
export interface EarlySpawner extends Spawner {
  discard(): void;
}

type Recorded = ["spawn"] | ["error", Error] | ["exit", number | null, NodeJS.Signals | null];

/**
 * Starts codexd's child before the rest of codexd has loaded (the HTTP stack, the state files),
 * so `codex app-server` boots while node is still importing: start-up then costs the longer of
 * the two, not their sum. The first `spawn` with the same command, arguments, cwd and
 * environment gets that child, with whatever it did meanwhile (`spawn`, `error`, `exit`) told
 * again to the new owner's listeners; any other call, and every later one, spawns afresh.
 * Its stdout and stderr are not read until the owner attaches, so nothing is lost.
 */
export function spawnEarly(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
  base: Spawner = defaultSpawner
): EarlySpawner {
  const recorded: Recorded[] = [];
  let early: ChildLike | undefined;
  let spawnError: unknown;
  try {
    early = base.spawn(command, args, options);
  } catch (error) {
    // Spawning again at start reports it the usual way (logged, status, restart policy).
    spawnError = error;
  }
  const emitter = early as unknown as EventEmitter | undefined;
  const onSpawn = () => recorded.push(["spawn"]);
  const onError = (error: Error) => recorded.push(["error", error]);
  const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
    recorded.push(["exit", code, signal]);
  emitter?.on("spawn", onSpawn).on("error", onError).on("exit", onExit);
  const release = () => emitter?.off("spawn", onSpawn).off("error", onError).off("exit", onExit);

  return {
    spawn(nextCommand, nextArgs, nextOptions) {
      const child = early;
      early = undefined;
      if (
        child !== undefined &&
        spawnError === undefined &&
        sameSpawn({ command, args, options }, { command: nextCommand, args: nextArgs, options: nextOptions })
      ) {
        release();
        const replay = recorded.splice(0);
        // The new owner attaches its listeners right after this returns.
        if (replay.length > 0) {
          setImmediate(() => {
            for (const [event, ...rest] of replay) emitter?.emit(event, ...rest);
          });
        }
        return child;
      }
      if (child !== undefined) {
        release();
        child.kill("SIGKILL");
      }
      return base.spawn(nextCommand, nextArgs, nextOptions);
    },
    discard() {
      const child = early;
      early = undefined;
      if (child === undefined) return;
      release();
      child.kill("SIGKILL");
    }
  };
}

function sameSpawn(
  a: { command: string; args: readonly string[]; options: SpawnOptions },
  b: { command: string; args: readonly string[]; options: SpawnOptions }
): boolean {
  if (a.command !== b.command || a.options.cwd !== b.options.cwd || a.args.length !== b.args.length)
    return false;
  if (a.args.some((arg, i) => arg !== b.args[i])) return false;
  const keys = Object.keys(a.options.env);
  if (keys.length !== Object.keys(b.options.env).length) return false;
  return keys.every((key) => a.options.env[key] === b.options.env[key]);
}
