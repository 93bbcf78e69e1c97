/** A logger that keeps what it was told. */
export function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: object, message: string) =>
    lines.push({ level, fields: fields as Record<string, unknown>, message });
  return { lines, error: at("error"), warn: at("warn"), info: at("info") };
}
