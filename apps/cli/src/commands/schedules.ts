import type { Command, CommandContext } from "../command.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { printResult, table } from "../output.js";
import { choiceFlag, stringFlag } from "./flag-values.js";
import { createBody } from "./task-create.js";

export interface ScheduleView {
  scheduleId: string;
  name: string;
  cron: string;
  timezone: string;
  paused: boolean;
  catchUp: "one" | "none";
  nextFireAt: string | null;
  lastFireAt: string | null;
  lastTaskId: string | null;
  task: { title: string; prompt: string; cwd?: string };
}

const ACTIONS = "list, add, show, pause, resume or rm";

function describeSchedule(s: ScheduleView): string {
  return [
    `${s.scheduleId}  ${s.name}${s.paused ? "  (paused)" : ""}`,
    `  cron       ${s.cron}  (${s.timezone}; catch up: ${s.catchUp})`,
    `  next fire  ${s.nextFireAt ?? "-"}`,
    `  last fire  ${s.lastFireAt ?? "-"}${s.lastTaskId === null ? "" : `  -> ${s.lastTaskId}`}`,
    `  task       ${s.task.title}${s.task.cwd === undefined ? "" : `  in ${s.task.cwd}`}`
  ].join("\n");
}

function one(context: CommandContext, what: string): string {
  const id = context.args[1];
  if (id === undefined) throw new CliError(ExitCode.usage, `schedules ${what} needs a schedule id`);
  return encodeURIComponent(id);
}

async function add(context: CommandContext): Promise<number> {
  const { args, flags, client, out } = context;
  const [, name, prompt] = args;
  const cron = stringFlag(flags, "cron");
  if (name === undefined || prompt === undefined || cron === undefined)
    throw new CliError(
      ExitCode.usage,
      "schedules add NAME PROMPT --cron CRON [--timezone TZ] [--catch-up one|none]"
    );
  const catchUp = choiceFlag(flags, "catch-up", ["one", "none"] as const);
  const body = {
    name,
    cron,
    timezone: stringFlag(flags, "timezone") ?? "UTC",
    ...(catchUp === undefined ? {} : { catchUp }),
    task: createBody(flags, prompt, context.cwd)
  };
  const { schedule } = await client.post<{ schedule: ScheduleView }>("/v1/schedules", body);
  printResult(out, { schedule }, () => `${schedule.scheduleId} (next fire ${schedule.nextFireAt ?? "-"})`);
  return ExitCode.ok;
}

/** `baa schedules …`: tasks created on a cron, by the leader, once per fire. */
export const schedulesCommand: Command = {
  name: "schedules",
  usage: [
    "schedules list|show ID|pause ID|resume ID|rm ID   tasks made on a cron",
    "  schedules add NAME PROMPT --cron CRON [--timezone TZ] [--catch-up one|none]   (task flags as tasks add)"
  ].join("\n"),
  flags: {
    cron: { type: "string" },
    timezone: { type: "string" },
    "catch-up": { type: "string" },
    title: { type: "string" },
    cwd: { type: "string" },
    scratch: { type: "boolean" },
    model: { type: "string" },
    priority: { type: "string" },
    "max-attempts": { type: "string" },
    "task-timeout-ms": { type: "string" },
    "approval-policy": { type: "string" },
    sandbox: { type: "string" },
    workspace: { type: "string" },
    review: { type: "string" }
  },
  arity: [0, 3],
  async run(context) {
    const { client, out } = context;
    const action = context.args[0] ?? "list";
    switch (action) {
      case "list": {
        const { schedules } = await client.get<{ schedules: ScheduleView[] }>("/v1/schedules");
        printResult(out, { schedules }, () =>
          schedules.length === 0
            ? "no schedules"
            : table(
                ["SCHEDULE", "NAME", "CRON", "TZ", "NEXT FIRE", "LAST FIRE"],
                schedules.map((s) => [
                  s.scheduleId,
                  s.name,
                  s.cron,
                  s.timezone,
                  s.paused ? "paused" : (s.nextFireAt ?? "-"),
                  s.lastFireAt ?? "-"
                ])
              )
        );
        return ExitCode.ok;
      }
      case "add":
        return add(context);
      case "show": {
        const { schedule } = await client.get<{ schedule: ScheduleView }>(
          `/v1/schedules/${one(context, "show")}`
        );
        printResult(out, { schedule }, () => describeSchedule(schedule));
        return ExitCode.ok;
      }
      case "pause":
      case "resume": {
        const { schedule } = await client.post<{ schedule: ScheduleView }>(
          `/v1/schedules/${one(context, action)}/${action}`,
          {}
        );
        printResult(
          out,
          { schedule },
          () =>
            `${schedule.scheduleId} ${schedule.paused ? "paused" : `resumed (next fire ${schedule.nextFireAt ?? "-"})`}`
        );
        return ExitCode.ok;
      }
      case "rm": {
        const response = await client.request<{ schedule: ScheduleView; deleted: boolean }>(
          "DELETE",
          `/v1/schedules/${one(context, "rm")}`
        );
        printResult(out, response, () => `${response.schedule.scheduleId} deleted (its tasks stay)`);
        return ExitCode.ok;
      }
      default:
        throw new CliError(ExitCode.usage, `unknown schedules action ${JSON.stringify(action)}: ${ACTIONS}`);
    }
  }
};
