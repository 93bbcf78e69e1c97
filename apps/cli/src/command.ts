import type { FlagSpec, FlagValue } from "@baa/config-sources";
import type { ConductorClient } from "./conductor-client.js";
import type { Output } from "./output.js";

/** Everything a command gets: its words, its flags, the client and where to write. */
export interface CommandContext {
  args: readonly string[];
  flags: Readonly<Record<string, FlagValue | undefined>>;
  client: ConductorClient;
  /** The directory `baa` was run from (resolved config; injectable for tests). */
  cwd: string;
  out: Output;
  /** Resolves after `ms` (injected: tests pass a fake; the CLI a real timer). */
  sleep: (ms: number) => Promise<void>;
  /** Resolves on Ctrl-C / SIGTERM: a following command stops there and exits 0. */
  interrupted: Promise<void>;
}

export interface Command {
  /** `tasks add`, `approve`, ... */
  name: string;
  usage: string;
  /** Flags beyond the global ones, as parseFlags (util.parseArgs) declares them. */
  flags: Record<string, FlagSpec>;
  /** Words after the name: [min, max]. */
  arity: [number, number];
  run(context: CommandContext): Promise<number>;
}
