// Issue 14, must-show 4: the review loop on the page in real headless Chromium against the real
// stack (codexd with the real codex binary and the mock model, the conductor with its loops,
// status-api). A task created from the page's form in a temp git repository makes a real change
// through codex's shell tool, reaches in_review (counted as waiting on a person), its diff is
// drawn by diff2html, it is revised from the page (a second round, a second file) and landed;
// the user's clean checkout gets both files. No console error, failed request or 4xx/5xx on the
// way. Screenshots go to the test's temp dir, or to $STATUS_PAGE_SCREENSHOTS when set.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import type { RecordedRequest, Reply } from "@baa/mock-model";
import { launchPage, requireChromium, watchPage } from "@baa/test-support/browser";
import { StatusApiRuntime } from "../../apps/status-api/dist/index.js";
import { E2E_TOKEN } from "../support/real-stack.js";
import { makeGitRepo, startTaskStack } from "../support/task-stack.js";

// A loaded 2-core machine runs codex, three services and a browser at once: wait generously.
const WAIT = { timeout: 90_000 };

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/**
 * A worker that edits: the newest user text names a file (`… hello.txt …`) and the model runs
 * `printf hi > <file>` through codex's shell tool, then answers in text once the output is back.
 * Decided on the newest input item: a revised thread carries the earlier round.
 */
function editingModel(request: RecordedRequest): Reply {
  const body = request.body as { input?: Array<{ type?: string }> };
  if (body.input?.at(-1)?.type === "function_call_output") return { kind: "text", text: "wrote the file" };
  const file = /(\w+\.txt)/.exec(request.lastUserText ?? "")?.[1];
  if (file === undefined) return { kind: "text", text: "nothing to do" };
  return { kind: "tool_call", arguments: { cmd: `printf hi > ${file}` } };
}

/** 1. Create the task from the form (review required); the page opens its view. */
async function createFromForm(page: Page, base: string, repo: string): Promise<string> {
  await page.goto(`${base}/#/tasks`);
  await page.waitForSelector('#live[data-state="live"]', WAIT);
  await page.fill('#create-task [name="title"]', "Add hello.txt");
  await page.fill('#create-task [name="prompt"]', "Write hello.txt with hi in it");
  await page.fill('#create-task [name="cwd"]', repo);
  await page.selectOption('#create-task [name="review"]', "required");
  await page.click('#create-task button[type="submit"]');
  await page.waitForURL(/#\/tasks\/task-/, WAIT);
  return decodeURIComponent(new URL(page.url()).hash.slice("#/tasks/".length));
}

/** 2. It runs and waits in review, with its diff drawn by diff2html (then shown split). */
async function inReviewWithItsDiff(page: Page, repo: string, taskId: string): Promise<void> {
  await page.waitForSelector('#task-state[data-state="in_review"]', WAIT);
  await page.waitForSelector('tr.diff-file[data-path="hello.txt"]', WAIT);
  await page.waitForSelector(".d2h-file-wrapper", WAIT);
  assert.match(
    (await page.textContent('tr.diff-file[data-path="hello.txt"]')) ?? "",
    /added.*hello\.txt.*\+1.*−0/
  );
  const firstCommit = git(repo, "rev-parse", `baa/${taskId}`).trim();
  assert.match(
    (await page.textContent(".run")) ?? "",
    new RegExp(`round 1.*commit ${firstCommit.slice(0, 8)}`)
  );
  assert.match((await page.textContent(".run")) ?? "", new RegExp(`baa/${taskId}`));
  assert.equal((await page.textContent(".run .final-message"))?.trim(), "wrote the file");
  await page.click('[data-diff-mode="split"]');
  await page.waitForSelector(".d2h-file-side-diff", WAIT);
}

test("the page's review loop: create from the form, in_review, the diff, revise, land; no console error", async () => {
  requireChromium();
  const stack = await startTaskStack();
  stack.model.setDefaultReply(editingModel);
  const repo = makeGitRepo(stack.dir.path("project"));
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

    await inReviewWithItsDiff(page, repo, taskId);
    await shot("review-01-in-review");

    // The status view counts it as waiting on a person and links back to it.
    await page.click('nav a[data-view="status"]');
    await page.waitForSelector('.count[data-state="waiting_on_person"][data-count="1"]', WAIT);
    await page.click(`#tasks-body .task[data-task-id="${taskId}"] a.task-link`);
    await page.waitForSelector('#task-state[data-state="in_review"]', WAIT);

    // 3. Revise from the page: a second round on the same branch writes a second file.
    await page.waitForSelector("#revise-comment", WAIT);
    await page.fill("#revise-comment", "Also write world.txt");
    await page.click("#task-revise");
    await page.waitForSelector('tr.diff-file[data-path="world.txt"]', WAIT);
    await page.waitForSelector('#task-state[data-state="in_review"]', WAIT);
    assert.equal(await page.locator(".run").count(), 2);
    assert.match((await page.locator(".run").first().textContent()) ?? "", /round 2/);
    assert.equal(git(repo, "rev-list", "--count", `main..baa/${taskId}`).trim(), "2", "one commit per round");
    await shot("review-02-revised");

    // 4. Land from the page (merge into main): the user's clean checkout gets both files.
    await page.waitForSelector("#task-land:not([disabled])", WAIT);
    assert.equal(await page.inputValue("#land-target"), "main");
    await page.click("#task-land");
    await page.waitForSelector('#task-state[data-state="landed"]', WAIT);
    assert.match((await page.textContent("#task-header")) ?? "", /merge into main/);
    await page.waitForSelector("#task-diff .diff-empty:has-text('Landed: main holds the branch')", WAIT);
    assert.equal(readFileSync(join(repo, "hello.txt"), "utf8"), "hi");
    assert.equal(readFileSync(join(repo, "world.txt"), "utf8"), "hi");
    assert.equal(git(repo, "status", "--porcelain"), "");
    const task = await stack.task(taskId);
    assert.equal(task.state, "landed");
    assert.equal(task.landing.target, "main");
    await shot("review-03-landed");

    // Nothing failed on the way: no error in the console, no failed request, no 4xx or 5xx.
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
