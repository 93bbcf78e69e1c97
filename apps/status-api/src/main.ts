#!/usr/bin/env node
// Entry point: `node dist/main.js start [flags]`. Exits once the command is done and stdout drained.
import { exitAfter } from "@baa/lifecycle";
import { runStatusApiCli } from "./cli.js";

await exitAfter(
  "status-api",
  runStatusApiCli({
    argv: process.argv,
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    signals: process
  })
);
