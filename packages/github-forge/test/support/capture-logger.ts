import { inspect } from "node:util";
import type { ForgeLogger } from "../../src/index.js";

/** A ForgeLogger that keeps every call, arguments rendered in full (errors with stack and fields). */
export function captureLogger() {
  const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => {
    lines.push({ level, fields, message });
  };
  const logger: ForgeLogger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  const text = () =>
    lines
      .map((line) => `${line.level} ${line.message} ${inspect(line.fields, { depth: 10, showHidden: true })}`)
      .join("\n");
  return { logger, lines, text };
}
