import { readJsonFile } from "@baa/state-files";
import { isProcessAlive } from "./process-alive.js";

/**
 * Two codexd on one state dir would each spawn a child and overwrite the other's files. The
 * daemon state names the pid that last started; a live one other than us is a refusal.
 */
export function refuseIfAnotherDaemonRuns(daemonStatePath: string, stateDir: string): void {
  const previous = readJsonFile<{ started?: boolean; pid?: number } | null>(daemonStatePath, null);
  const pid = previous?.pid;
  if (previous?.started !== true || typeof pid !== "number" || pid === process.pid || !isProcessAlive(pid))
    return;
  throw new Error(`another codexd (pid ${pid}) is running with state dir ${stateDir}; stop it first`);
}
