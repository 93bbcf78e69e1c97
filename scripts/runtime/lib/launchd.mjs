// launchd: a service definition as a user-agent plist, and a plist read back into the shape
// the static check compares (see service-check.mjs).
import { join } from "node:path";
import * as plist from "plist";

/** File name of a service's install copy. */
export const launchdFileName = (definition) => `${definition.label}.plist`;

/** @param {import("./service-definitions.mjs").ServiceDefinition} definition */
export function renderPlist(definition) {
  return plist.build({
    Label: definition.label,
    ProgramArguments: definition.argv,
    WorkingDirectory: definition.workingDirectory,
    EnvironmentVariables: definition.env,
    RunAtLoad: true,
    // Restarted whenever it exits, after a pause so a crash loop does not spin.
    KeepAlive: true,
    ThrottleInterval: 10,
    // codexd needs up to 15 s to stop its child cleanly (docs/runtime/launchd.md).
    ExitTimeOut: 20,
    ProcessType: "Interactive",
    StandardOutPath: definition.stdoutPath,
    StandardErrorPath: definition.stderrPath
  });
}

/**
 * Reads a plist into `{label, argv, workingDirectory, env, stdoutPath, stderrPath, restarts}`.
 * @throws Error when the text is not a plist dictionary
 */
export function readPlist(text) {
  const doc = plist.parse(text);
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    throw new Error("the plist is not a dictionary");
  return {
    label: doc.Label,
    argv: doc.ProgramArguments,
    workingDirectory: doc.WorkingDirectory,
    env: doc.EnvironmentVariables,
    stdoutPath: doc.StandardOutPath,
    stderrPath: doc.StandardErrorPath,
    restarts: doc.KeepAlive === true || (typeof doc.KeepAlive === "object" && doc.KeepAlive !== null),
    startsAtLoad: doc.RunAtLoad === true
  };
}

/** The launchctl commands for one service (domain gui/<uid>). */
export function launchctlCommands(definition, installDir, uid) {
  const domain = `gui/${uid}`;
  const target = `${domain}/${definition.label}`;
  const file = join(installDir, launchdFileName(definition));
  return {
    load: ["launchctl", "bootstrap", domain, file],
    unload: ["launchctl", "bootout", target],
    restart: ["launchctl", "kickstart", "-k", target],
    status: ["launchctl", "print", target],
    lint: ["plutil", "-lint", file]
  };
}
