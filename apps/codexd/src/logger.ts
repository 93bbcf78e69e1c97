import pino, { type Logger } from "pino";

/** codexd's one logger: JSON to stdout (launchd/systemd keep it), secrets redacted. */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: "codexd" },
      redact: {
        paths: ["req.headers.authorization", "headers.authorization", "*.token", "*.sharedToken", "env", "*.env"],
        censor: "[redacted]"
      }
    },
    options.destination ?? process.stdout
  );
}
