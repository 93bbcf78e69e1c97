import type { CommandContext } from "../command.js";
import { CliError, ExitCode } from "../exit-codes.js";

type Flags = CommandContext["flags"];

/** A string flag's value, or undefined when not given. */
export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === "string" ? value : undefined;
}

/** A whole-number flag; anything else is a usage error naming the flag. */
export function intFlag(flags: Flags, name: string): number | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^-?\d+$/.test(value))
    throw new CliError(ExitCode.usage, `--${name} must be a whole number`);
  return Number(value);
}

/** A flag limited to a few words; another is a usage error that lists them. */
export function choiceFlag<T extends string>(
  flags: Flags,
  name: string,
  choices: readonly T[]
): T | undefined {
  const value = stringFlag(flags, name);
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value))
    throw new CliError(
      ExitCode.usage,
      `--${name} must be one of ${choices.join(", ")} (got ${JSON.stringify(value)})`
    );
  return value as T;
}
