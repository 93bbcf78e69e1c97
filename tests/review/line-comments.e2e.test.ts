import assert from "node:assert/strict";
import test from "node:test";
import { postJson } from "../support/http.js";
import { makeGitRepo, startTaskStack } from "../support/task-stack.js";
import { fileWritingModel } from "./git-helpers.js";

test("line comments reach the model with their path, line and hunk, on the task's own thread", async () => {
  const stack = await startTaskStack();
  stack.model.setDefaultReply(fileWritingModel);
  try {
    const repo = makeGitRepo(stack.dir.path("project"));
    const created = await stack.createTask({
      title: "greet",
      prompt: "WRITE hello.txt hi there",
      cwd: repo,
      approvalPolicy: "never"
    });
    const taskId = created.body.data.task.taskId as string;
    await stack.waitTask(taskId, (t) => t.state === "in_review", "in review");

    const outside = await postJson(`${stack.conductorBase}/v1/tasks/${taskId}/revise`, {
      comments: [{ path: "hello.txt", line: 40, side: "new", body: "?" }]
    });
    assert.equal(outside.status, 400, outside.text);
    assert.match(
      outside.body.error.message,
      /comments\.0: hello\.txt line 40 \(new\) is not in the task's diff/
    );
    const empty = await postJson(`${stack.conductorBase}/v1/tasks/${taskId}/revise`, {});
    assert.equal(empty.status, 400);

    const revise = await postJson(`${stack.conductorBase}/v1/tasks/${taskId}/revise`, {
      comment: "Two small things.",
      comments: [{ path: "hello.txt", line: 1, side: "new", body: "Say hello to the world instead." }]
    });
    assert.equal(revise.status, 200, revise.text);
    const request = await stack.model.waitForRequest((r) =>
      (r.lastUserText ?? "").includes("Say hello to the world instead.")
    );
    const text = request.lastUserText ?? "";
    assert.match(text, /^Two small things\./);
    assert.match(text, /### hello\.txt, line 1 \(your version\)/);
    assert.match(text, /@@ -0,0 \+1 @@\n\+hi there {4}<-- this line/);
    assert.ok(request.userTexts.includes("WRITE hello.txt hi there"), "the same thread");
    await stack.waitTask(taskId, (t) => t.state === "in_review" && t.round === 2, "in review again");
  } finally {
    await stack.stop();
  }
});
