// Types of systemd.mjs (plain JavaScript) for the TypeScript that imports it: the tests.

/** What renderUnit and systemctlCommands read of a service definition (service-definitions.mjs). */
export interface SystemdService {
  unit: string;
  description: string;
  argv: string[];
  workingDirectory: string;
  env: Record<string, string>;
  stdoutPath: string;
  stderrPath: string;
  after: string[];
}

/** A unit read back (what renderUnit wrote); a field the unit does not set is undefined. */
export interface UnitView {
  label: string | undefined;
  argv: string[] | undefined;
  workingDirectory: string | undefined;
  env: Record<string, string>;
  stdoutPath: string | undefined;
  stderrPath: string | undefined;
  restarts: boolean;
  startsAtLoad: boolean;
}

export interface SystemctlCommands {
  daemonReload: string[];
  load: string[];
  restart: string[];
  status: string[];
}

export function systemdFileName(definition: Pick<SystemdService, "unit">): string;
export function renderUnit(definition: SystemdService): string;
/** @throws Error on a line it cannot read */
export function readUnit(text: string): UnitView;
export function systemctlCommands(definition: Pick<SystemdService, "unit">): SystemctlCommands;
