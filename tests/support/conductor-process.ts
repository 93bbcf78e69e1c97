import { fileURLToPath } from "node:url";
import { startServiceProcess, type ServiceProcess } from "./service-process.js";

const CONDUCTOR_MAIN = fileURLToPath(new URL("../../apps/conductor-daemon/dist/main.js", import.meta.url));

export type ConductorProcess = ServiceProcess;

/**
 * The conductor as launchd/systemd runs it: `node apps/conductor-daemon/dist/main.js start`,
 * configured by environment only (PATH and HOME kept, nothing else inherited). Resolves once
 * /healthz answers.
 */
export function startConductorProcess(options: {
  port: number;
  env: Record<string, string | undefined>;
}): Promise<ConductorProcess> {
  const base = `http://127.0.0.1:${options.port}`;
  return startServiceProcess({
    name: "conductor",
    main: CONDUCTOR_MAIN,
    base,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      BAA_CONDUCTOR_LOCAL_API: base,
      BAA_CONDUCTOR_LOG_LEVEL: "info",
      ...options.env
    }
  });
}
