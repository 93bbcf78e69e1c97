import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ConductorConfigInput } from "../../apps/conductor-daemon/dist/index.js";
import { openEventSocket, type EventSocket } from "./event-socket.js";
import { eventually, getJson, request } from "./http.js";
import { startRealStack, type RealStack } from "./real-stack.js";

/** Short timings so the task tests wait on the code, not on defaults meant for people. */
export const FAST_TASKS: Partial<ConductorConfigInput> = {
  schedulerPollMs: 50,
  runProgressMs: 50,
  taskRetryBaseMs: 50,
  taskRetryMaxMs: 200,
  maxConcurrentTasks: 4
};

export interface TaskStack extends RealStack {
  createTask(body: Record<string, unknown>, headers?: Record<string, string>): Promise<any>;
  task(taskId: string): Promise<any>;
  runs(taskId: string): Promise<any[]>;
  /** Resolves with the task once `predicate` holds for it. */
  waitTask(taskId: string, predicate: (task: any) => boolean, what: string, timeoutMs?: number): Promise<any>;
  taskEvents(taskId: string, after?: number): Promise<EventSocket>;
}

/** The real stack with the conductor's loops running (lease, system modes, scheduler). */
export async function startTaskStack(
  conductor: Partial<ConductorConfigInput> = {},
  codexd: Record<string, unknown> = {}
): Promise<TaskStack> {
  const stack = await startRealStack({
    autoStartLoops: true,
    conductor: { ...FAST_TASKS, ...conductor },
    codexd
  });
  const base = stack.conductorBase;
  const extra = {
    async createTask(body: Record<string, unknown>, headers: Record<string, string> = {}) {
      return request("POST", `${base}/v1/tasks`, body, headers);
    },
    async task(taskId: string) {
      return (await getJson(`${base}/v1/tasks/${taskId}`)).body.data.task;
    },
    async runs(taskId: string) {
      return (await getJson(`${base}/v1/tasks/${taskId}/runs`)).body.data.runs as any[];
    },
    async waitTask(taskId: string, predicate: (task: any) => boolean, what: string, timeoutMs = 60_000) {
      return eventually(
        async () => {
          const task = (await getJson(`${base}/v1/tasks/${taskId}`)).body.data.task;
          return predicate(task) ? task : null;
        },
        `${taskId} ${what}`,
        timeoutMs
      );
    },
    taskEvents(taskId: string, after?: number) {
      return openEventSocket(
        `${base.replace(/^http/, "ws")}/v1/tasks/${taskId}/events${after === undefined ? "" : `?after=${after}`}`
      );
    }
  };
  return Object.assign(stack, extra);
}

/** A git repository with one commit, at `dir`. */
export function makeGitRepo(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
  git("init", "-q", "-b", "main");
  git("config", "user.email", "test@example.com");
  git("config", "user.name", "test");
  writeFileSync(join(dir, "README.md"), "base\n");
  git("add", "-A");
  git("commit", "-q", "-m", "base");
  return dir;
}
