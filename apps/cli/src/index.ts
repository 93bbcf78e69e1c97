export { runCli, USAGE, type CliOptions } from "./cli.js";
export { resolveCliConfig, type CliConfig } from "./config.js";
export { CliError, ExitCode, type ExitCodeValue } from "./exit-codes.js";
