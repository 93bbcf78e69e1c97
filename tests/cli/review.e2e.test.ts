// The review loop from `baa` (apps/cli/dist/main.js as a child process) against the real stack:
// a task added from inside a git repository (no --cwd) makes a real change through codex's shell
// tool, waits in review, is read with `tasks diff`, sent back with `tasks revise`, landed with
// `tasks land` (the user's checkout gets the file) or ended with `tasks discard`.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import type { RecordedRequest, Reply } from "@baa/mock-model";
import { makeGitRepo, startTaskStack, type TaskStack } from "../support/task-stack.js";

const BAA = fileURLToPath(new URL("../../apps/cli/dist/main.js", import.meta.url));
const WORKER = ["--approval-policy", "never", "--sandbox", "workspace-write"];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function baa(stack: TaskStack, cwd: string, args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("BAA_"))
    );
    const child = spawn(process.execPath, [BAA, ...args, "--base-url", stack.conductorBase], {
      cwd,
      env: clean,
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

const succeeded = (result: Result): Result => {
  assert.equal(result.code, 0, `exit ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result;
};

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/**
 * A worker that edits: the newest user text names a file (`… hello.txt …`) and the model runs
 * `printf hi > hello.txt` through codex's shell tool; once the command's output is back it
 * answers in text. Decided on the newest input item: a revised thread carries earlier rounds.
 */
function editingModel(request: RecordedRequest): Reply {
  const body = request.body as { input?: Array<{ type?: string }> };
  if (body.input?.at(-1)?.type === "function_call_output") return { kind: "text", text: "wrote the file" };
  const file = /(\w+\.txt)/.exec(request.lastUserText ?? "")?.[1];
  if (file === undefined) return { kind: "text", text: "nothing to do" };
  return { kind: "tool_call", arguments: { cmd: `printf hi > ${file}` } };
}

test("baa tasks add (from the repo) -> in_review -> diff --stat -> land; revise and discard; the paused notice", async (t) => {
  const stack = await startTaskStack();
  stack.model.setDefaultReply(editingModel);
  try {
    const repo = makeGitRepo(stack.dir.path("project"));
    const base = git(repo, "rev-parse", "HEAD").trim();

    await t.test("add from inside the repository, follow to in_review, diff, land", () =>
      addDiffLand(stack, repo, base)
    );

    await t.test(
      "revise sends the task back for round 2 on its branch; discard ends it, the branch kept",
      async () => {
        const added = succeeded(
          await baa(stack, repo, ["tasks", "add", "Add first.txt", "--follow", ...WORKER])
        );
        const taskId = /^task (\S+) in_review in /.exec(added.stdout)?.[1] as string;
        const revised = succeeded(
          await baa(stack, repo, ["tasks", "revise", taskId, "-m", "also add second.txt", "--follow"])
        );
        assert.match(revised.stderr, /^task \S+ queued for round 2$/m);
        assert.match(revised.stdout, new RegExp(`^task ${taskId} in_review in `));
        const stat = succeeded(await baa(stack, repo, ["tasks", "diff", taskId, "--stat"]));
        assert.match(stat.stdout, /^ first\.txt \(new\) {2}\| 1 \+$/m);
        assert.match(stat.stdout, /^ second\.txt \(new\) \| 1 \+$/m);

        const discarded = succeeded(
          await baa(stack, repo, ["tasks", "discard", taskId, "--reason", "not needed"])
        );
        assert.equal(
          discarded.stdout,
          `task ${taskId} discarded (not needed); its branch baa/${taskId} is kept\n`
        );
        git(repo, "rev-parse", "--verify", `baa/${taskId}`);
        const shown = succeeded(await baa(stack, repo, ["tasks", "show", taskId]));
        assert.match(shown.stdout, /^runs 2 · round 2 · failed attempts 0 of 3$/m);
        assert.match(shown.stdout, /^revised with: also add second\.txt$/m);
      }
    );

    await t.test(
      "a task added while the system is paused says it waits until baa system resume",
      async () => {
        succeeded(await baa(stack, repo, ["system", "pause", "--reason", "lunch"]));
        const added = succeeded(await baa(stack, repo, ["tasks", "add", "Say hi", "--scratch"]));
        const taskId = added.stdout.trim();
        assert.match(taskId, /^task-/);
        // The conductor's notice (or, from an older one, the mode read after the create).
        assert.match(added.stderr, /^the system is paused.*: .*waits.*baa system resume\n$/);
        const shown = succeeded(await baa(stack, repo, ["tasks", "show", taskId]));
        assert.match(shown.stdout, /^state queued/m);
        assert.match(shown.stdout, /^cwd \(none: a scratch dir of its own\)$/m);
        succeeded(await baa(stack, repo, ["tasks", "cancel", taskId]));
        assert.match(succeeded(await baa(stack, repo, ["system", "resume"])).stdout, /^system running;/);
      }
    );
  } finally {
    await stack.stop();
  }
});

/** `baa tasks add --follow` from inside the repository to in_review, then show, diff (stat, patch, JSON) and land. */
async function addDiffLand(stack: TaskStack, repo: string, base: string): Promise<void> {
  const added = succeeded(await baa(stack, repo, ["tasks", "add", "Add hello.txt", "--follow", ...WORKER]));
  const taskId = /^task (\S+) in_review in /.exec(added.stdout)?.[1];
  assert.ok(taskId, added.stdout);
  assert.match(added.stdout, new RegExp(`\\(commit [0-9a-f]{10} on baa/${taskId}\\)`));
  assert.match(
    added.stdout,
    new RegExp(
      `^next: baa tasks diff ${taskId} · baa tasks land ${taskId} · baa tasks revise ${taskId} -m`,
      "m"
    )
  );
  assert.doesNotMatch(added.stderr, /inProgress/);

  const shown = succeeded(await baa(stack, repo, ["tasks", "show", taskId]));
  assert.match(shown.stdout, /^state in_review/m);
  assert.match(shown.stdout, /^runs 1 · round 1 · failed attempts 0 of 3$/m);
  assert.match(
    shown.stdout,
    new RegExp(`^cwd ${repo}  base branch main$`, "m"),
    "the task works where baa ran"
  );
  assert.match(
    shown.stdout,
    new RegExp(`^ {2}worktree \\S+ {2}branch baa/${taskId} {2}base ${base.slice(0, 10)}$`, "m")
  );
  const commit = git(repo, "rev-parse", `baa/${taskId}`).trim();
  assert.match(
    shown.stdout,
    new RegExp(`· round 1 · succeeded( \\(waiting for review\\))? · commit ${commit.slice(0, 10)}$`, "m")
  );

  const stat = succeeded(await baa(stack, repo, ["tasks", "diff", taskId, "--stat"]));
  assert.equal(
    stat.stdout,
    [
      `baa/${taskId} ${commit.slice(0, 10)} against main ${base.slice(0, 10)}`,
      " hello.txt (new) | 1 +",
      " 1 file changed, 1 insertion(+)",
      ""
    ].join("\n")
  );
  const patch = succeeded(await baa(stack, repo, ["tasks", "diff", taskId]));
  assert.match(patch.stdout, /^\+\+\+ b\/hello\.txt$/m);
  assert.match(patch.stdout, /^\+hi$/m);
  const json = JSON.parse(
    succeeded(await baa(stack, repo, ["tasks", "diff", taskId, "--json", "--path", "hello.txt"])).stdout
  );
  assert.deepEqual(
    json.files.map((f: { path: string; status: string; additions: number; deletions: number }) => [
      f.path,
      f.status,
      f.additions,
      f.deletions
    ]),
    [["hello.txt", "added", 1, 0]]
  );
  assert.equal(json.head.commit, commit);

  const landed = succeeded(await baa(stack, repo, ["tasks", "land", taskId]));
  const tip = git(repo, "rev-parse", "main").trim();
  assert.equal(landed.stdout, `task ${taskId} landed\n${landed.stdout.split("\n")[1]}\n`);
  assert.match(landed.stdout, new RegExp(`^landed merge into main at ${tip.slice(0, 10)} `, "m"));
  git(repo, "merge-base", "--is-ancestor", commit, "main");
  assert.equal(readFileSync(join(repo, "hello.txt"), "utf8"), "hi", "the clean checkout of main moved along");

  const again = await baa(stack, repo, ["tasks", "land", taskId]);
  assert.equal(again.code, 4, again.stderr);
  assert.match(again.stderr, new RegExp(`^baa tasks: POST /v1/tasks/${taskId}/land: task_not_landable: `));
  const final = JSON.parse(succeeded(await baa(stack, repo, ["tasks", "show", taskId, "--json"])).stdout);
  assert.equal(final.task.state, "landed");
  assert.equal(final.task.landing.commit, tip);
}
