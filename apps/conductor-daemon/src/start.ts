// What main.ts runs (from the bundle when it is fresh, docs/runtime/bundle.md). Exits once the
// command is done and stdout drained.
import { exitAfter } from "@baa/lifecycle";
import { runConductorCli } from "./cli.js";

await exitAfter(
  "conductor-daemon",
  runConductorCli({
    argv: process.argv,
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    signals: process
  })
);
