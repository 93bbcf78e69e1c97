import type { Command, CommandContext } from "../command.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { printResult } from "../output.js";
import type { SystemState } from "./status.js";

type Mode = "pause" | "resume" | "drain";
const MODES: readonly Mode[] = ["pause", "resume", "drain"];

async function changeMode(name: Mode, { client, flags, out }: CommandContext): Promise<number> {
  const reason = typeof flags.reason === "string" ? flags.reason : undefined;
  const state = await client.post<SystemState>(`/v1/system/${name}`, reason === undefined ? {} : { reason });
  printResult(out, state, () => describeSystem(state));
  return ExitCode.ok;
}

function describeSystem(state: SystemState): string {
  const running = state.running.runs.map(
    (r) => `  ${r.runId} (task ${r.taskId}, run ${r.attempt}, on ${r.owner})`
  );
  return [
    `system ${state.mode}${state.drained ? " (drained)" : ""}; ${state.running.count} run(s) still running`,
    ...running
  ].join("\n");
}

/** `baa pause|resume|drain [--reason TEXT]`: the system mode, on every node of the store. */
function modeCommand(name: Mode, blurb: string): Command {
  return {
    name,
    usage: `${name.padEnd(28)}${blurb}`,
    flags: { reason: { type: "string" } },
    arity: [0, 0],
    run: (context) => changeMode(name, context)
  };
}

export const pauseCommand = modeCommand("pause", "claim no new tasks; running ones go on");
export const resumeCommand = modeCommand("resume", "claim tasks again");
export const drainCommand = modeCommand("drain", "let running tasks finish, claim nothing new");

/** `baa system [state|pause|resume|drain]`: the same modes under one name, and the mode read. */
export const systemCommand: Command = {
  name: "system",
  usage: "system [state|pause|resume|drain]   the system mode (read it, or change it as the commands above)",
  flags: { reason: { type: "string" } },
  arity: [0, 1],
  async run(context) {
    const action = context.args[0] ?? "state";
    if (action === "state") {
      const state = await context.client.get<SystemState>("/v1/system/state");
      printResult(context.out, state, () => describeSystem(state));
      return ExitCode.ok;
    }
    if (!(MODES as readonly string[]).includes(action))
      throw new CliError(
        ExitCode.usage,
        `unknown system action ${JSON.stringify(action)}: state, pause, resume or drain`
      );
    return changeMode(action as Mode, context);
  }
};
