import assert from "node:assert/strict";
import { type ChildProcessByStdio, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { makeTempDir, type TempDir } from "@baa/test-support";
import { freePort, isAlive } from "../support/codexd-process.js";
import { eventually, getJson, postJson } from "../support/http.js";

// What the README promises a newcomer: `pnpm start --demo`, `baa tasks add` in a repository,
// and the task reaches review with a real diff (the demo model ran a shell command through
// codex), then lands on the repository's branch. No codex login: an empty HOME, no CODEX_HOME.

const root = fileURLToPath(new URL("../..", import.meta.url));
const PROMPT = "Write a hello note";
const NOTE = "notes/write-a-hello-note.md";
const REVISE = "Also say goodbye";
const SETTLED = new Set([
  "in_review",
  "succeeded",
  "failed",
  "cancelled",
  "timed_out",
  "landed",
  "discarded"
]);

interface Node {
  child: ChildProcessByStdio<null, Readable, Readable>;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  stderr: { text: string };
  conductor: string;
  urls: string[];
  dir: TempDir;
}

async function startNode(dir: TempDir): Promise<Node> {
  const [codexd, conductor, status] = [await freePort(), await freePort(), await freePort()];
  const urls = [codexd, conductor, status].map((port) => `http://127.0.0.1:${port}`);
  const child = spawn(process.execPath, [join(root, "scripts/start-node.mjs"), "--demo"], {
    cwd: root,
    env: {
      ...process.env,
      HOME: dir.path("home"),
      CODEX_HOME: undefined,
      // Every relative default (state/, logs/, runs/) lands in the temp dir.
      BAA_REPO_ROOT: dir.path("node"),
      BAA_CODEXD_LOCAL_API_BASE: urls[0],
      BAA_CONDUCTOR_LOCAL_API: urls[1],
      BAA_STATUS_API_LOCAL_API: urls[2],
      BAA_CODEXD_LOG_LEVEL: "warn",
      BAA_CONDUCTOR_LOG_LEVEL: "warn",
      BAA_SCHEDULER_POLL_MS: "100"
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true
  });
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const stderr = { text: "" };
  // The services' own logs (JSON lines), kept for a failure's message.
  const stdout = { text: "" };
  child.stdout.on("data", (chunk: Buffer) => {
    stdout.text = (stdout.text + chunk.toString("utf8")).slice(-8000);
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      stderr.text += chunk.toString("utf8");
      if (/\[start\] ready/.test(stderr.text)) resolve();
    });
    exited.then(([code, signal]) =>
      reject(new Error(`start-node exited (${code ?? signal}) before ready: ${stderr.text}\n${stdout.text}`))
    );
  });
  await ready;
  return { child, exited, stderr, conductor: urls[1] as string, urls, dir };
}

/** The start script's own children (the three services), from `ps`, which Linux and macOS share. */
function childPids(parent: number): number[] {
  return execFileSync("ps", ["-A", "-o", "pid=,ppid="], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter(([, ppid]) => ppid === parent)
    .map(([pid]) => pid as number);
}

function baa(node: Node, cwd: string, ...args: string[]): any {
  const out = execFileSync(process.execPath, [join(root, "apps/cli/dist/main.js"), ...args, "--json"], {
    cwd,
    env: {
      ...process.env,
      BAA_CONDUCTOR_URL: node.conductor,
      BAA_STATE_DIR: node.dir.path("node", "state", "conductor")
    },
    encoding: "utf8"
  });
  return JSON.parse(out);
}

const task = async (node: Node, taskId: string) =>
  (await getJson(`${node.conductor}/v1/tasks/${taskId}`)).body.data.task;

/** Waits until the task leaves queued/running, then names the state it settled in. */
async function settle(node: Node, taskId: string, round: number): Promise<any> {
  return eventually(
    async () => {
      const runs = (await getJson(`${node.conductor}/v1/tasks/${taskId}/runs`)).body.data.runs as any[];
      const current = await task(node, taskId);
      return runs.length >= round && SETTLED.has(current.state) ? current : null;
    },
    `task ${taskId} settled after round ${round}`,
    120_000
  );
}

const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" });

// As tests/support/task-stack.ts makes one; that module loads the conductor's whole stack.
function makeGitRepo(path: string): string {
  mkdirSync(path, { recursive: true });
  git(path, "init", "-q", "-b", "main");
  git(path, "config", "user.email", "test@example.com");
  git(path, "config", "user.name", "test");
  writeFileSync(join(path, "README.md"), "base\n");
  git(path, "add", "-A");
  git(path, "commit", "-q", "-m", "base");
  return path;
}

test("pnpm start --demo: a task added with baa reaches in_review with a diff, is revised, and lands", {
  timeout: 300_000
}, async () => {
  const dir = makeTempDir("baa-demo-review-");
  const repo = makeGitRepo(dir.path("repo"));
  let node: Node | undefined;
  let pids: number[] = [];
  try {
    node = await startNode(dir);
    pids = childPids(node.child.pid as number);
    assert.match(node.stderr.text, /baa tasks add "Write a hello note"/, "the ready text shows what to try");
    assert.equal(pids.length, 3, "codexd, the conductor and status-api run");

    const created = baa(node, repo, "tasks", "add", PROMPT, "--title", "Hello note", "--cwd", repo);
    const taskId: string = created.task.taskId;
    assert.match(taskId, /^task-/);

    const first = await settle(node, taskId, 1);
    // The demo model's shell command ran in the task's own worktree, not in the repository.
    const worktree = dir.path("node", "state", "conductor", "worktrees", taskId);
    assert.equal(readFileSync(join(worktree, NOTE), "utf8"), `# ${PROMPT}\n\n${PROMPT}\n`);
    assert.equal(existsSync(join(repo, NOTE)), false, "the user's checkout is untouched until landing");
    assert.equal(first.state, "in_review", JSON.stringify(first));

    const diff = (await getJson(`${node.conductor}/v1/tasks/${taskId}/diff`)).body.data;
    assert.ok(diff.patch.includes(`+${PROMPT}`), diff.patch);
    assert.deepEqual(
      diff.files.map((f: any) => [f.path, f.status, f.additions]),
      [[NOTE, "added", 3]]
    );

    const revised = await postJson(`${node.conductor}/v1/tasks/${taskId}/revise`, { comment: REVISE });
    assert.ok(revised.status < 300, revised.text);
    assert.equal((await settle(node, taskId, 2)).state, "in_review");
    assert.equal(
      readFileSync(join(worktree, NOTE), "utf8"),
      `# ${PROMPT}\n\n${PROMPT}\n\n## Follow-up\n\n${REVISE}\n`
    );

    const landed = await postJson(`${node.conductor}/v1/tasks/${taskId}/land`, {});
    assert.ok(landed.status < 300, landed.text);
    assert.equal((await task(node, taskId)).state, "landed");
    assert.equal(
      git(repo, "show", `main:${NOTE}`),
      `# ${PROMPT}\n\n${PROMPT}\n\n## Follow-up\n\n${REVISE}\n`
    );
    assert.equal(
      readFileSync(join(repo, NOTE), "utf8").endsWith(`${REVISE}\n`),
      true,
      "the clean checkout of main moved along"
    );

    // A person stops it with SIGTERM (launchd, systemd, kill): every service stops with it.
    const codexdState = JSON.parse(
      readFileSync(dir.path("node", "state", "codexd", "daemon-state.json"), "utf8")
    );
    process.kill(node.child.pid as number, "SIGTERM");
    const [code] = await node.exited;
    assert.equal(code, 0, node.stderr.text);
    for (const pid of [...pids, codexdState.child.pid as number])
      await eventually(async () => !isAlive(pid) || null, `pid ${pid} stopped`, 10_000);
    for (const url of node.urls) await assert.rejects(fetch(`${url}/healthz`), `${url} no longer listens`);
  } finally {
    if (node !== undefined && node.child.exitCode === null && node.child.signalCode === null) {
      node.child.kill("SIGTERM");
      await node.exited;
    }
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, "SIGKILL");
    dir.remove();
  }
});
