import { WriteHealth } from "@baa/state-files";

// TODO(H2): removed once the core passes its WriteHealth everywhere (keeps the build green meanwhile).
export function interimHealth(): WriteHealth {
  const line = (level: string) => (fields: object, message: string) => {
    process.stderr.write(`${JSON.stringify({ level, msg: message, ...fields })}\n`);
  };
  return new WriteHealth({ logger: { error: line("error"), warn: line("warn"), info: line("info") } });
}
