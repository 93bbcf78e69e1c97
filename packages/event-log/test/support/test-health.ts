import { WriteHealth } from "@baa/state-files";

/** A WriteHealth whose log lines are kept in `lines` (tests assert on them when it matters). */
export function testHealth(): WriteHealth & { lines: { level: string; message: string; fields: object }[] } {
  const lines: { level: string; message: string; fields: object }[] = [];
  const at = (level: string) => (fields: object, message: string) => {
    lines.push({ level, message, fields });
  };
  return Object.assign(
    new WriteHealth({ logger: { error: at("error"), warn: at("warn"), info: at("info") } }),
    { lines }
  );
}
