#!/usr/bin/env node
import { runCodexdCli } from "./cli.js";

const code = await runCodexdCli({ argv: process.argv, env: process.env, processLike: process });
process.exit(code);
