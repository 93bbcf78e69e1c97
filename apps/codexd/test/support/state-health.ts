import { ManualTimers } from "@baa/clock/testing";
import { WriteHealth } from "@baa/state-files";
import { FaultInjectingFs } from "@baa/state-files/testing";

/** A WriteHealth on manual timers with a file system that fails on demand; log lines are kept. */
export function failingState() {
  const timers = new ManualTimers({ epochMs: Date.parse("2030-01-01T00:00:00Z") });
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (fields: object, message: string) => {
    lines.push({ level, message, fields: fields as Record<string, unknown> });
  };
  const health = new WriteHealth({
    logger: { error: at("error"), warn: at("warn"), info: at("info") },
    now: () => timers.now()
  });
  return { timers, health, fs: new FaultInjectingFs(), lines, now: () => timers.wallNow() };
}
