// Types of launchd.mjs (plain JavaScript) for the TypeScript that imports it: the tests.

/** What renderPlist and launchctlCommands read of a service definition (service-definitions.mjs). */
export interface LaunchdService {
  label: string;
  argv: string[];
  workingDirectory: string;
  env: Record<string, string>;
  stdoutPath: string;
  stderrPath: string;
}

/** A plist read back: each field as the file has it (what renderPlist wrote), undefined when absent. */
export interface PlistView {
  label: string | undefined;
  argv: string[] | undefined;
  workingDirectory: string | undefined;
  env: Record<string, string> | undefined;
  stdoutPath: string | undefined;
  stderrPath: string | undefined;
  restarts: boolean;
  startsAtLoad: boolean;
}

export interface LaunchctlCommands {
  load: string[];
  unload: string[];
  restart: string[];
  status: string[];
  lint: string[];
}

export function launchdFileName(definition: Pick<LaunchdService, "label">): string;
export function renderPlist(definition: LaunchdService): string;
/** @throws Error when the text is not a plist dictionary */
export function readPlist(text: string): PlistView;
export function launchctlCommands(
  definition: Pick<LaunchdService, "label">,
  installDir: string,
  uid: number | string
): LaunchctlCommands;
