// Issue 15, must-show 5 (the page half): the page in real headless Chromium against the real
// stack (codexd with the real codex binary and the mock model, the conductor with its loops,
// status-api). A repository whose committed check fails until done.txt exists: the page shows
// the failed check with its output, the turn that answered it and the green round after; a line
// comment taken on the page's diff reaches the model with its path, line and text, on the same
// thread. No console error, failed request or 4xx/5xx on the way. Screenshots go to the test's
// temp dir, or to $STATUS_PAGE_SCREENSHOTS when set.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import type { RecordedRequest, Reply } from "@baa/mock-model";
import { launchPage, watchPage } from "@baa/test-support/browser";
import { StatusApiRuntime } from "../../apps/status-api/dist/index.js";
import { fileWritingModel, git } from "../review/git-helpers.js";
import { E2E_TOKEN } from "../support/real-stack.js";
import { makeGitRepo, startTaskStack, type TaskStack } from "../support/task-stack.js";

// A loaded 2-core machine runs codex, three services and a browser at once: wait generously.
const WAIT = { timeout: 120_000 };
const LINE_COMMENT = "Say first try twice, please.";

/** Writes what it is asked (`WRITE <file> <text>`); told by the checks that done.txt is missing, writes it. */
function checkAwareModel(request: RecordedRequest): Reply {
  const body = request.body as { input?: Array<{ type?: string }> };
  if (body.input?.at(-1)?.type === "function_call_output") return { kind: "text", text: "done" };
  if ((request.lastUserText ?? "").includes("done.txt is missing"))
    return { kind: "tool_call", arguments: { cmd: "printf 'ok\\n' > done.txt" } };
  return fileWritingModel(request);
}

function commitChecks(repo: string): void {
  mkdirSync(join(repo, ".baa"), { recursive: true });
  const checks = [
    { name: "needs-done", run: "test -f done.txt || { echo 'done.txt is missing'; exit 1; }" },
    { name: "always", run: "echo fine" }
  ];
  writeFileSync(join(repo, ".baa", "config.json"), JSON.stringify({ checks }, null, 2));
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "baa config");
}

/** Created from the form (review required); the repository's own config brings the checks. */
async function createFromForm(page: Page, base: string, repo: string): Promise<string> {
  await page.goto(`${base}/#/tasks`);
  await page.waitForSelector('#live[data-state="live"]', WAIT);
  await page.waitForSelector("#queues-body:has-text('No task is queued to land.')", WAIT);
  await page.fill('#create-task [name="title"]', "Notes, checked");
  await page.fill('#create-task [name="prompt"]', "WRITE notes.txt first try");
  await page.fill('#create-task [name="cwd"]', repo);
  await page.selectOption('#create-task [name="review"]', "required");
  await page.click('#create-task button[type="submit"]');
  await page.waitForURL(/#\/tasks\/task-/, WAIT);
  return decodeURIComponent(new URL(page.url()).hash.slice("#/tasks/".length));
}

type Shot = (name: string) => Promise<unknown>;

/** Round 1 red with its output, the turn that answered it, round 2 green, then review. */
async function phaseCheckRounds(page: Page, shot: Shot): Promise<void> {
  await page.waitForSelector('#task-state[data-state="in_review"]', WAIT);
  await page.waitForSelector('tr.check[data-name="needs-done"][data-round="2"][data-status="passed"]', WAIT);
  const red = page.locator('tr.check[data-name="needs-done"][data-round="1"]');
  assert.equal(await red.getAttribute("data-status"), "failed");
  assert.match((await red.locator("pre").textContent()) ?? "", /done\.txt is missing/);
  assert.match((await red.textContent()) ?? "", /failed\s*1\s*(\d+ ms|\d+s)\s*1/);
  assert.deepEqual(
    await page
      .locator(".run-checks tr.check")
      .evaluateAll((rows) =>
        rows.map(
          (row) =>
            `${row.getAttribute("data-name")} ${row.getAttribute("data-round")} ${row.getAttribute("data-status")}`
        )
      ),
    ["needs-done 1 failed", "always 1 passed", "needs-done 2 passed", "always 2 passed"]
  );
  assert.match(
    (await page.textContent('.check-turn[data-round="2"]')) ?? "",
    /answers the failing check needs-done/
  );
  await page.waitForSelector('.d2h-file-wrapper[data-path="notes.txt"]', WAIT);
  await shot("checks-01-in-review");
}

/** A line comment sent from the page reaches the model on the task's own thread; round 2 waits in review. */
async function phaseLineComment(stack: TaskStack, page: Page, shot: Shot, taskId: string): Promise<void> {
  // A line comment on notes.txt's first (new) line, sent from the page.
  await page
    .locator('.d2h-file-wrapper[data-path="notes.txt"] td.d2h-code-linenumber')
    .filter({ hasText: "1" })
    .first()
    .click();
  await page.locator("tr.line-comment-box textarea").fill(LINE_COMMENT);
  await page.click("tr.line-comment-box button.line-comment-add");
  await page.waitForSelector(
    'li.pending-comment[data-path="notes.txt"][data-line="1"][data-side="new"]',
    WAIT
  );
  await shot("checks-02-line-comment");
  await page.click("#task-send-comments");
  await page.waitForSelector("#flash:has-text('Sent back with 1 line comment')", WAIT);

  // The model got it on the task's own thread: the path, the line, the hunk and the words.
  const request = await stack.model.waitForRequest((r) => (r.lastUserText ?? "").includes(LINE_COMMENT));
  const text = request.lastUserText ?? "";
  assert.match(text, /### notes\.txt, line 1 \(your version\)/);
  assert.match(text, /\+first try {4}<-- this line/);
  assert.ok(request.userTexts.includes("WRITE notes.txt first try"), "the same thread");
  await page.waitForSelector('.run[data-state] .run-head:has-text("round 2")', WAIT);
  await page.waitForSelector('#task-state[data-state="in_review"]', WAIT);
  const task = await stack.waitTask(
    taskId,
    (t) => t.state === "in_review" && t.round === 2,
    "in review again"
  );
  assert.equal(task.round, 2);
  await shot("checks-03-revised");
}

test("the page shows a task's check rounds and sends a line comment that reaches the model", async () => {
  const stack = await startTaskStack();
  stack.model.setDefaultReply(checkAwareModel);
  const repo = makeGitRepo(stack.dir.path("project"));
  commitChecks(repo);
  const statusApi = new StatusApiRuntime({
    localApiBase: "http://127.0.0.1:0",
    conductorBase: stack.conductorBase,
    codexdBase: stack.codexdBase,
    sharedToken: E2E_TOKEN,
    repoRoot: stack.dir.path("status-api"),
    nodeId: "e2e-node",
    refreshMs: 200
  });
  const shots = process.env.STATUS_PAGE_SCREENSHOTS ?? stack.dir.path("screenshots");
  mkdirSync(shots, { recursive: true });
  let context: BrowserContext | undefined;
  try {
    const base = await statusApi.start();
    const launched = await launchPage(stack.dir.path("chromium-profile"));
    context = launched.context;
    const page = launched.page;
    const seen = watchPage(page);
    const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

    const taskId = await createFromForm(page, base, repo);

    await phaseCheckRounds(page, shot);

    await phaseLineComment(stack, page, shot, taskId);

    assert.deepEqual(seen.errors, []);
    assert.deepEqual(seen.failed, []);
    assert.deepEqual(seen.bad, []);
    assert.deepEqual(seen.console, []);
  } finally {
    await context?.close();
    await statusApi.stop();
    await stack.stop();
  }
});
