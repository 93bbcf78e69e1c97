// `baa`, the real bin (apps/cli/dist/main.js as a child process), against the real stack: the
// mock model, codexd running the real codex binary, the conductor with its scheduler. A session
// turn and tasks end to end, human and --json output, approvals answered from the CLI, the
// system modes, and the exit codes of failures.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { freePort } from "../support/codexd-process.js";
import { eventually } from "../support/http.js";
import { startTaskStack, type TaskStack } from "../support/task-stack.js";

const BAA = fileURLToPath(new URL("../../apps/cli/dist/main.js", import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function baa(stack: TaskStack, args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    // No BAA_* from the caller's shell: the CLI must work from its flags alone.
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("BAA_"))
    );
    const child = spawn(process.execPath, [BAA, ...args, "--base-url", stack.conductorBase], {
      env: { ...clean, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += String(chunk)));
    child.stderr.on("data", (chunk) => (stderr += String(chunk)));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const json = (result: Result) => {
  assert.equal(result.code, 0, `exit ${result.code}\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout);
};

/** Failures end with their documented exit codes: 4 refused, 2 usage. */
async function failures(stack: TaskStack): Promise<void> {
  const [unknown, unknownJson, usage, badFlag, missingFile] = await Promise.all([
    baa(stack, ["tasks", "show", "task-nope"]),
    baa(stack, ["tasks", "show", "task-nope", "--json"]),
    baa(stack, ["turn", "only-a-session"]),
    baa(stack, ["tasks", "list", "--limit", "many"]),
    baa(stack, ["status", "--token-file", stack.dir.path("no-such-token")])
  ]);
  assert.equal(unknown.code, 4);
  assert.match(unknown.stderr, /^baa tasks: GET \/v1\/tasks\/task-nope: task_not_found: /);
  assert.equal(unknownJson.code, 4);
  assert.equal(JSON.parse(unknownJson.stderr).error.code, "task_not_found");
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /usage: baa turn SESSION TEXT/);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /--limit must be a whole number/);
  assert.equal(missingFile.code, 2);
  assert.match(missingFile.stderr, /cannot read the token file .*no-such-token: ENOENT/);
}

/** A session turn, human output with progress, then --json; the reads and events --follow. */
async function sessionTurn(stack: TaskStack, repo: string): Promise<void> {
  const created = await baa(stack, ["sessions", "new", "--cwd", repo]);
  assert.equal(created.code, 0, created.stderr);
  const sessionId = created.stdout.trim();
  assert.match(sessionId, /^session-/);

  const human = await baa(stack, ["turn", sessionId, "Say hello.", "--follow"]);
  assert.equal(human.code, 0, `${human.stdout}\n${human.stderr}`);
  assert.match(human.stdout, /^turn \S+ completed in \d+\.\ds\nmock reply to: Say hello\.\n$/);
  assert.match(human.stderr, /^turn \S+ (accepted|running)/m, "a progress line while the turn runs");

  const scripted = json(await baa(stack, ["turn", sessionId, "Say it again.", "--follow", "--json"]));
  assert.equal(scripted.sessionId, sessionId);
  assert.equal(scripted.status, "completed");
  assert.equal(scripted.message, "mock reply to: Say it again.");
  assert.ok(scripted.events > 0, "the turn's events arrived on the stream");
  assert.notEqual(scripted.turnId, human.stdout.split(" ")[1], "a new turn");

  // Independent reads at once (each is a process start).
  const [listResult, shown, logs, events] = await Promise.all([
    baa(stack, ["sessions", "--json"]),
    baa(stack, ["sessions", "show", sessionId]),
    baa(stack, ["logs", "--session", sessionId]),
    baa(stack, ["events", "--session", sessionId, "--json", "--type", "app-server.turn.completed"])
  ]);
  const sessions = json(listResult);
  const listed = sessions.sessions.find((s: { sessionId: string }) => s.sessionId === sessionId);
  assert.equal(listed.turnCount, 2);
  assert.equal(listed.lastTurnStatus, "completed");

  assert.match(shown.stdout, /last message: mock reply to: Say it again\./);

  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /^#\d+ \S+ turn\.accepted \(session /m);
  assert.match(logs.stdout, /app-server\.turn\.completed .*: completed/);

  const lines = events.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  assert.equal(lines.length, 2);
  assert.ok(lines.every((e) => e.sessionId === sessionId && e.type === "app-server.turn.completed"));

  // events --follow: replays from --after, then live; Ctrl-C ends it with 0.
  const follower = spawn(
    process.execPath,
    [BAA, "events", "--follow", "--session", sessionId, "--after", "0", "--base-url", stack.conductorBase],
    {
      stdio: ["ignore", "pipe", "pipe"]
    }
  );
  let followed = "";
  const replayed = new Promise<void>((resolve) =>
    follower.stdout.on("data", (chunk) => {
      followed += String(chunk);
      if ((followed.match(/app-server\.turn\.completed/g) ?? []).length >= 2) resolve();
    })
  );
  const followerExit = new Promise<number | null>((resolve) => follower.once("close", resolve));
  await replayed;
  follower.kill("SIGINT");
  assert.equal(await followerExit, 0, followed);
  assert.match(followed, /^#\d+ \S+ session\.created \(session /m);

  // Without --follow the turn id comes back at once.
  const quick = await baa(stack, ["turn", sessionId, "One more."]);
  assert.equal(quick.code, 0, quick.stderr);
  assert.match(quick.stdout.trim(), /^\S+$/);
}

/** A task end to end, human then --json; list, show, logs, and a refused cancel. */
async function taskEndToEnd(stack: TaskStack, repo: string): Promise<void> {
  const human = await baa(stack, ["tasks", "add", "Write a haiku.", "--cwd", repo, "--follow"]);
  assert.equal(human.code, 0, `${human.stdout}\n${human.stderr}`);
  assert.match(human.stdout, /^task \S+ succeeded in \d+\.\ds\nmock reply to: Write a haiku\.\n$/);
  assert.match(human.stderr, /^task \S+ queued$/m);
  const taskId = human.stdout.split(" ")[1] as string;

  const scripted = json(
    await baa(stack, [
      "tasks",
      "add",
      "Count to three.",
      "--title",
      "count",
      "--cwd",
      repo,
      "--follow",
      "--json"
    ])
  );
  assert.equal(scripted.task.state, "succeeded");
  assert.equal(scripted.task.title, "count");
  assert.equal(scripted.run.state, "succeeded");
  assert.equal(scripted.run.finalMessage, "mock reply to: Count to three.");
  assert.ok(scripted.events > 0, "the task's run events arrived on its stream");

  const [listResult, shown, taskLogs, ended] = await Promise.all([
    baa(stack, ["tasks", "list", "--state", "succeeded", "--json"]),
    baa(stack, ["tasks", "show", taskId]),
    baa(stack, ["logs", "--task", taskId]),
    baa(stack, ["tasks", "cancel", taskId])
  ]);
  const list = json(listResult);
  const ids = list.tasks.map((task: { taskId: string }) => task.taskId);
  assert.ok(ids.includes(taskId) && ids.includes(scripted.task.taskId), "both tasks listed as succeeded");

  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`^task ${taskId}: Write a haiku\\.$`, "m"));
  assert.match(shown.stdout, /^state succeeded/m);
  assert.match(shown.stdout, /final message: mock reply to: Write a haiku\./);

  assert.match(taskLogs.stdout, /run\.ended .*run succeeded, task succeeded/);

  assert.equal(ended.code, 4, "cancelling a finished task is refused");
  assert.match(ended.stderr, /task_ended/);
}

/** An approval answered from the CLI lets the followed task finish. */
async function approvalFromTheCli(stack: TaskStack, repo: string): Promise<void> {
  const file = stack.dir.path("repo", "approved-by-cli.txt");
  const follow = baa(stack, [
    "tasks",
    "add",
    `TOUCH ${file}`,
    "--cwd",
    repo,
    "--approval-policy",
    "untrusted",
    "--sandbox",
    "workspace-write",
    "--follow"
  ]);
  // Wait on the API (cheap), then read it through the CLI both ways.
  await eventually(async () => {
    const answer = await fetch(`${stack.conductorBase}/v1/codex/approvals?status=pending`);
    const body = (await answer.json()) as { data: { approvals: unknown[] } };
    return body.data.approvals.length > 0 ? true : null;
  }, "a pending approval");
  const [listedResult, table] = await Promise.all([
    baa(stack, ["approvals", "--json"]),
    baa(stack, ["approvals"])
  ]);
  const pending = json(listedResult).approvals[0];
  assert.match(table.stdout, new RegExp(`^${pending.approvalId}\\s+${pending.kind}\\s+pending`, "m"));
  const answered = await baa(stack, ["approve", pending.approvalId]);
  assert.equal(answered.code, 0, answered.stderr);
  assert.match(answered.stdout, new RegExp(`approval ${pending.approvalId} answered \\(accept\\)`));
  const done = await follow;
  assert.equal(done.code, 0, `${done.stdout}\n${done.stderr}`);
  assert.match(done.stdout, /^task \S+ succeeded in \d+\.\ds\ntouched\n$/);
  assert.match(done.stderr, /waits for approval/);
  assert.ok(existsSync(file), "the approved command ran");
  const again = await baa(stack, ["approve", pending.approvalId]);
  assert.equal(again.code, 4, "a settled approval is refused");
}

/** status, then pause, drain and resume. */
async function statusAndModes(stack: TaskStack): Promise<void> {
  const status = await baa(stack, ["status"]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^conductor http:\/\/127\.0\.0\.1:\d+ {2}node e2e-node {2}role leader/m);
  assert.match(status.stdout, /^codexd {4}up at http:\/\/127\.0\.0\.1:\d+ {2}child running/m);
  assert.match(status.stdout, /^system {4}running/m);
  assert.match(status.stdout, /^tasks {5}.*succeeded [3-9]/m);

  const paused = json(await baa(stack, ["pause", "--reason", "maintenance", "--json"]));
  assert.equal(paused.mode, "paused");
  assert.equal(paused.reason, "maintenance");
  const drained = await baa(stack, ["drain"]);
  assert.match(drained.stdout, /^system draining \(drained\); 0 run\(s\) still running$/m);
  const resumed = await baa(stack, ["resume"]);
  assert.match(resumed.stdout, /^system running; 0 run\(s\) still running$/m);
}

// The session, task, approval and failure scenarios use their own sessions, tasks and prompts, so
// they run at once on one stack; status and the system modes (which pause the scheduler) after them.
test("baa drives a session turn and tasks end to end through the real binary", {
  concurrency: true
}, async (t) => {
  const stack = await startTaskStack();
  // The mock answers by prompt: TOUCH <file> asks codex to run `touch <file>` (an approval under
  // the untrusted policy), everything else is echoed.
  stack.model.setDefaultReply((r) => {
    const prompt = r.lastUserText ?? "";
    if (r.functionCallOutputs.length > 0) return { kind: "text", text: "touched" };
    if (prompt.startsWith("TOUCH"))
      return { kind: "tool_call", arguments: { cmd: `touch ${prompt.slice("TOUCH ".length)}` } };
    return { kind: "text", text: `mock reply to: ${prompt}` };
  });
  try {
    const repo = stack.dir.path("repo");
    const sessionCase = t.test("a session turn, human output with progress, then --json", () =>
      sessionTurn(stack, repo)
    );
    const taskCase = t.test("a task end to end, human then --json; list and show", () =>
      taskEndToEnd(stack, repo)
    );
    const approvalCase = t.test("an approval answered from the CLI lets the followed task finish", () =>
      approvalFromTheCli(stack, repo)
    );
    const failureCase = t.test("failures end with their documented exit codes", () => failures(stack));
    await Promise.all([sessionCase, taskCase, approvalCase, failureCase]);

    await t.test("status and the system modes", () => statusAndModes(stack));
  } finally {
    await stack.stop();
  }
});

test("baa says clearly when the conductor cannot be reached (exit 3)", async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [BAA, "status", "--base-url", `http://127.0.0.1:${port}`], {
    stdio: ["ignore", "pipe", "pipe"]
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += String(chunk)));
  const code = await new Promise((resolve) => child.once("close", resolve));
  assert.equal(code, 3);
  assert.match(
    stderr,
    new RegExp(
      `^baa status: cannot reach the conductor at http://127\\.0\\.0\\.1:${port}: connection refused`
    )
  );
});
