import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";
import { startFakeGitHub, type FakeGitHub } from "../support/fake-github.js";
import { eventually, postJson } from "../support/http.js";
import { makeGitRepo, startTaskStack } from "../support/task-stack.js";
import { fileWritingModel, git } from "../review/git-helpers.js";
import { githubStatus, issueTasks, TOKEN } from "./github-helpers.js";

/** A repository whose remote's URL names GitHub; insteadOf sends git to a bare repository in `dir`. */
function repoWithGitHubRemote(dir: string): string {
  const repo = makeGitRepo(join(dir, "widgets"));
  const bare = join(dir, "remote.git");
  git(dir, "init", "-q", "--bare", bare);
  // The remote's URL as configured names GitHub; insteadOf sends git to the bare repository.
  git(repo, "remote", "add", "origin", "https://github.com/acme/widgets.git");
  git(repo, "config", `url.${bare}.insteadOf`, "https://github.com/acme/widgets.git");
  git(repo, "push", "-q", "origin", "main");
  return repo;
}

/** More passes of the leader: nothing posted twice, nothing to the pull request, no token shown. */
async function nothingPostedTwice(github: FakeGitHub, base: string, issueNumber: number, pullNumber: number) {
  const commentsOn = (number: number) =>
    github.comments.filter((c) => c.repo === "widgets" && c.issueNumber === number);
  // The fake shows a comment as soon as it is posted; the ledger records it a moment later.
  await eventually(
    async () => ((await githubStatus(base)).comments.posted === 2 ? true : null),
    "both comments recorded"
  );
  const polls = github.requests.length;
  await eventually(async () => (github.requests.length >= polls + 5 ? true : null), "more polls and passes");
  assert.equal(commentsOn(issueNumber).length, 2);
  assert.equal(new Set(commentsOn(issueNumber).map((c) => c.body)).size, 2);
  // The pull request's own number shares the issue space: no comment went to it.
  assert.equal(commentsOn(pullNumber).length, 0);
  for (const request of github.requests)
    assert.doesNotMatch(JSON.stringify(request.body ?? ""), new RegExp(TOKEN));
}

test("an issue's task: a review comment with the diff summary, a pull request that closes the issue, a landed comment; none doubled", async () => {
  const github = await startFakeGitHub({ token: TOKEN });
  const dir = mkdtempSync(join(tmpdir(), "github-comments-"));
  const repo = repoWithGitHubRemote(dir);
  const stack = await startTaskStack({
    githubToken: TOKEN,
    githubApiUrl: github.url,
    githubPollMs: 100,
    githubRepos: [{ repo: "acme/widgets", cwd: repo }]
  });
  stack.model.setDefaultReply(fileWritingModel);
  try {
    const base = stack.conductorBase;
    // The mock model writes the file its prompt names: the issue's title starts the prompt.
    const issue = github.addIssue({
      owner: "acme",
      repo: "widgets",
      title: "WRITE fix.txt the fix",
      labels: ["baa"]
    });
    const [created] = await eventually(async () => {
      const found = await issueTasks(base, issue.number);
      return found.length > 0 ? found : null;
    }, "the issue became a task");
    const taskId = created.taskId as string;
    const inReview = await stack.waitTask(
      taskId,
      (t) => t.state === "in_review" || t.state === "failed",
      "in review"
    );
    assert.equal(inReview.state, "in_review", JSON.stringify(inReview));

    const commentsOn = (number: number) =>
      github.comments.filter((c) => c.repo === "widgets" && c.issueNumber === number);
    const review = await eventually(async () => commentsOn(issue.number)[0], "the review comment");
    assert.match(
      review.body,
      new RegExp(`task \`${taskId}\` for this issue finished a run and is waiting for review`)
    );
    // The model wrote the prompt's text after the file name: the rest of the title, and the issue line.
    const lines = git(repo, "show", `baa/${taskId}:fix.txt`).split("\n").length - 1;
    assert.match(review.body, new RegExp(`\\*\\*1 file changed, \\+${lines} −0\\*\\*`));
    assert.match(review.body, new RegExp(`- \`fix\\.txt\` \\(added, \\+${lines} −0\\)`));

    const landed = await postJson(`${base}/v1/tasks/${taskId}/land`, { push: "origin" });
    assert.equal(landed.status, 200, landed.text);
    const pull = github.pulls.at(-1)!;
    assert.match(pull.body ?? "", new RegExp(`Closes #${issue.number}\\b`));
    assert.match(pull.body ?? "", new RegExp(`Baa-Task: ${taskId}`));
    assert.equal(landed.body.data.task.landing.pullRequest.number, pull.number);
    const landedComment = await eventually(async () => commentsOn(issue.number)[1], "the landed comment");
    assert.match(
      landedComment.body,
      new RegExp(
        `landed: pull request ${landed.body.data.task.landing.pullRequest.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`
      )
    );

    // Several more passes of the leader: nothing is posted twice.
    await nothingPostedTwice(github, base, issue.number, pull.number);
  } finally {
    await stack.stop();
    await github.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
