#!/usr/bin/env node
// Entry point: `node dist/main.js start [flags]`. Exits once the command is done and stdout drained.
import { runStatusApiCli } from "./cli.js";

const code = await runStatusApiCli({
  argv: process.argv,
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  signals: process
}).catch((error: unknown) => {
  process.stderr.write(`status-api: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
});
process.stdout.write("", () => process.exit(code));
