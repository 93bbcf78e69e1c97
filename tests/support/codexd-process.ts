import { fileURLToPath } from "node:url";
import { closedPort } from "@baa/test-support";
import { startServiceProcess, type ServiceProcess } from "./service-process.js";

const CODEXD_MAIN = fileURLToPath(new URL("../../apps/codexd/dist/main.js", import.meta.url));

/** A free loopback port for a spawned service that must be told it up front (see docs/testing.md). */
export const freePort = (): Promise<number> => closedPort();

export type CodexdProcess = ServiceProcess;

/**
 * codexd as launchd/systemd runs it: `node apps/codexd/dist/main.js start`, its own process,
 * so a test can SIGKILL it. Resolves once /healthz answers.
 */
export function startCodexdProcess(options: {
  port: number;
  env: Record<string, string | undefined>;
  args?: string[];
}): Promise<CodexdProcess> {
  const base = `http://127.0.0.1:${options.port}`;
  return startServiceProcess({
    name: "codexd",
    main: CODEXD_MAIN,
    args: ["--local-api-base", base, ...(options.args ?? [])],
    base,
    env: { ...process.env, BAA_CODEXD_LOG_LEVEL: "warn", ...options.env }
  });
}

/** True while a pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
