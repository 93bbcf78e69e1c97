import type { Command } from "../command.js";
import { ExitCode } from "../exit-codes.js";
import { printResult } from "../output.js";
import type { SystemState } from "./status.js";

/** `baa pause|resume|drain [--reason TEXT]`: the system mode, on every node of the store. */
function modeCommand(name: "pause" | "resume" | "drain", blurb: string): Command {
  return {
    name,
    usage: `${name.padEnd(28)}${blurb}`,
    flags: { reason: { type: "string" } },
    arity: [0, 0],
    async run({ client, flags, out }) {
      const reason = typeof flags.reason === "string" ? flags.reason : undefined;
      const state = await client.post<SystemState>(`/v1/system/${name}`, reason === undefined ? {} : { reason });
      printResult(out, state, () => {
        const running = state.running.runs.map((r) => `  ${r.runId} (task ${r.taskId}, attempt ${r.attempt}, on ${r.owner})`);
        return [`system ${state.mode}${state.drained ? " (drained)" : ""}; ${state.running.count} run(s) still running`, ...running].join("\n");
      });
      return ExitCode.ok;
    }
  };
}

export const pauseCommand = modeCommand("pause", "claim no new tasks; running ones go on");
export const resumeCommand = modeCommand("resume", "claim tasks again");
export const drainCommand = modeCommand("drain", "let running tasks finish, claim nothing new");
