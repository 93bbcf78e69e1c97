#!/usr/bin/env node
import { runCli } from "./cli.js";

let interrupt: () => void = () => {};
const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
process.once("SIGINT", () => interrupt());
process.once("SIGTERM", () => interrupt());

const code = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  interrupted
});
process.exit(code);
