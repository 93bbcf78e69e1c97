import assert from "node:assert/strict";
import test from "node:test";
import { postJson } from "../support/http.js";
import { startFakeGitHub, type FakeGitHub } from "../support/fake-github.js";
import { makeGitRepo, startTaskStack, type TaskStack } from "../support/task-stack.js";
import { fileWritingModel, git } from "./git-helpers.js";

const TOKEN = "ghp_test_token_that_must_never_be_logged";

async function inReview(stack: TaskStack, repo: string, title: string, file: string): Promise<string> {
  const created = await stack.createTask({
    title,
    prompt: `WRITE ${file} content`,
    cwd: repo,
    approvalPolicy: "never",
    sandbox: "workspace-write"
  });
  assert.equal(created.status, 201, created.text);
  const taskId = created.body.data.task.taskId as string;
  const task = await stack.waitTask(
    taskId,
    (t) => t.state === "in_review" || t.state === "failed",
    "in review"
  );
  assert.equal(task.state, "in_review", JSON.stringify(task));
  return taskId;
}

interface PushContext {
  stack: TaskStack;
  github: FakeGitHub;
  repo: string;
  /** The bare repository the remote's GitHub URL is sent to. */
  bare: string;
}

/** Landing with push: the branch reaches the remote, a draft pull request is opened, main untouched. */
async function phasePushAndPullRequest({ stack, github, repo, bare }: PushContext): Promise<void> {
  const taskId = await inReview(stack, repo, "Add the widget", "widget.txt");
  const options = await fetch(`${stack.conductorBase}/v1/tasks/${taskId}/landing-options`).then(
    (r) => r.json() as Promise<any>
  );
  assert.deepEqual(options.data.remotes, [{ name: "origin", forge: "github" }]);
  assert.ok(options.data.branches.includes("main"));

  const landed = await postJson(`${stack.conductorBase}/v1/tasks/${taskId}/land`, {
    push: "origin",
    pullRequest: { draft: true }
  });
  assert.equal(landed.status, 200, landed.text);
  const task = landed.body.data.task;
  const branch = `baa/${taskId}`;
  const tip = git(repo, "rev-parse", branch).trim();
  assert.equal(git(bare, "rev-parse", branch).trim(), tip, "the branch is in the remote");
  assert.equal(task.state, "landed");
  assert.equal(task.landing.remote, "origin");
  assert.equal(task.landing.commit, tip);
  assert.equal(task.push.commit, tip);
  const created = github.requests.find(
    (r) => r.method === "POST" && /\/repos\/acme\/widgets\/pulls$/.test(r.path)
  );
  assert.ok(created, "the fake saw the pull-request call");
  assert.equal(created.body.head, branch);
  assert.equal(created.body.base, "main");
  assert.equal(created.body.title, "Add the widget");
  assert.equal(created.body.draft, true);
  assert.match(created.body.body, new RegExp(`Baa-Task: ${taskId}`));
  assert.equal(task.landing.pullRequest.number, github.pulls[0]?.number);
  assert.match(task.landing.pullRequest.url, /\/acme\/widgets\/pull\/\d+$/);
  assert.equal(
    git(repo, "rev-parse", "main").trim(),
    git(bare, "rev-parse", "main").trim(),
    "main untouched by a push land"
  );
}

/** GitHub refuses: 502 forge_failed, the push recorded; landed again once it accepts, the PR is opened. */
async function phaseForgeRefuses({ stack, github, repo, bare }: PushContext): Promise<void> {
  // GitHub refuses: 502 forge_failed with its message, the push recorded, the task still in review.
  const second = await inReview(stack, repo, "Add the gadget", "gadget.txt");
  github.failNext(
    { method: "POST", path: /\/pulls$/ },
    { status: 422, body: { message: "Validation Failed", errors: [{ message: "base branch is protected" }] } }
  );
  const refused = await postJson(`${stack.conductorBase}/v1/tasks/${second}/land`, { push: "origin" });
  assert.equal(refused.status, 502, refused.text);
  assert.equal(refused.body.error.code, "forge_failed");
  assert.match(refused.body.error.message, /base branch is protected/);
  assert.doesNotMatch(refused.text, new RegExp(TOKEN));
  const after = await stack.task(second);
  assert.equal(after.state, "in_review");
  assert.equal(after.push.remote, "origin");
  assert.equal(
    git(bare, "rev-parse", `baa/${second}`).trim(),
    after.push.commit,
    "the push happened and is recorded"
  );
  assert.match(after.stateReason, /pull request failed/);

  // Land again once GitHub accepts: the pushed branch gets its pull request.
  const retried = await postJson(`${stack.conductorBase}/v1/tasks/${second}/land`, { push: "origin" });
  assert.equal(retried.status, 200, retried.text);
  assert.equal(retried.body.data.task.landing.pullRequest.number, github.pulls.at(-1)?.number);
  for (const request of github.requests)
    assert.match(String(request.headers.authorization), /^(token|Bearer) /);
}

test("land with push: the branch reaches the remote and a pull request is opened; a forge error is a 502 with the push recorded", async () => {
  const github = await startFakeGitHub({ token: TOKEN });
  const stack = await startTaskStack({ githubToken: TOKEN, githubApiUrl: github.url });
  stack.model.setDefaultReply(fileWritingModel);
  try {
    const repo = makeGitRepo(stack.dir.path("project"));
    const bare = stack.dir.path("remote.git");
    git(stack.dir.path(), "init", "-q", "--bare", bare);
    // The remote's URL as configured names GitHub; insteadOf sends git to the bare repository.
    git(repo, "remote", "add", "origin", "https://github.com/acme/widgets.git");
    git(repo, "config", `url.${bare}.insteadOf`, "https://github.com/acme/widgets.git");
    git(repo, "push", "-q", "origin", "main");

    const ctx: PushContext = { stack, github, repo, bare };
    await phasePushAndPullRequest(ctx);

    await phaseForgeRefuses(ctx);
  } finally {
    await stack.stop();
    await github.close();
  }
});
