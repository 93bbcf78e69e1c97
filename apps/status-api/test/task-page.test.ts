// The tasks and task views in real headless Chromium against a fake conductor serving canned
// task, run, diff and landing-options JSON: the list and its paging, the create form (the
// conductor's 400 shown), a task in review with its diff drawn by diff2html (unified, then side
// by side), land and revise reaching the conductor, and no console error, failed request or 404.
import assert from "node:assert/strict";
import { join } from "node:path";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import { launchPage, watchPage } from "@baa/test-support/browser";
import type { BrowserContext } from "playwright-core";
import { StatusApiRuntime } from "../src/runtime.js";
import { startFakeService } from "./helpers/fake-service.js";
import { codexdHandler } from "./helpers/fixtures.js";
import { REVIEW_TASK_ID, reviewConductor } from "./helpers/review-conductor.js";

const WAIT = { timeout: 20_000 };

test("tasks list, create form, a task in review with its diff, land and revise, in headless Chromium", async () => {
  const conductor = await startFakeService(reviewConductor);
  const codexd = await startFakeService(codexdHandler());
  const dir = makeTempDir("status-api-task-page-");
  const runtime = new StatusApiRuntime({
    conductorBase: conductor.url,
    codexdBase: codexd.url,
    repoRoot: dir.root,
    localApiBase: "http://127.0.0.1:0",
    refreshMs: 200
  });
  let context: BrowserContext | undefined;
  try {
    const base = await runtime.start();
    const launched = await launchPage(dir.path("profile"));
    context = launched.context;
    const page = launched.page;
    const seen = watchPage(page);
    const posted = (path: string) =>
      conductor.requests.filter((r) => r.method === "POST" && r.url === path).map((r) => JSON.parse(r.body));

    // The status view still works, and counts the task in review as waiting on a person.
    await page.goto(`${base}/`);
    await page.waitForSelector('#live[data-state="live"]', WAIT);
    await page.waitForSelector('.count[data-state="waiting_on_person"][data-count="1"]', WAIT);

    // The tasks view: the first page, the next one by cursor, and back.
    await page.click('nav a[data-view="tasks"]');
    await page.waitForSelector(`tr.task-row[data-task-id="${REVIEW_TASK_ID}"][data-state="in_review"]`, WAIT);
    await page.click("#tasks-older");
    await page.waitForSelector('tr.task-row[data-task-id="task-old"]', WAIT);
    assert.ok(conductor.requests.some((r) => r.url === "/v1/tasks?limit=20&cursor=page-2"));
    await page.click("#tasks-newer");
    await page.waitForSelector(`tr.task-row[data-task-id="${REVIEW_TASK_ID}"]`, WAIT);

    // The create form: the conductor's 400 is shown as it said it; a good one opens the task.
    await page.fill('#create-task [name="title"]', " ");
    await page.fill('#create-task [name="prompt"]', "write hello.txt");
    await page.click('#create-task button[type="submit"]');
    await page.waitForSelector("#create-task-error:has-text('invalid body: title')", WAIT);
    await page.fill('#create-task [name="title"]', "say hi");
    await page.fill('#create-task [name="cwd"]', "/tmp/repo");
    await page.selectOption('#create-task [name="review"]', "required");
    await page.click('#create-task button[type="submit"]');
    await page.waitForURL(`**/#/tasks/${REVIEW_TASK_ID}`, WAIT);
    assert.deepEqual(posted("/v1/tasks").at(-1), {
      title: "say hi",
      prompt: "write hello.txt",
      cwd: "/tmp/repo",
      review: "required"
    });

    // The task view: header, run with commit and branch, events, final message, the diff.
    await page.waitForSelector('#task-state[data-state="in_review"]', WAIT);
    await page.waitForSelector(".d2h-file-wrapper", WAIT);
    assert.equal(await page.locator(".d2h-file-wrapper").count(), 2);
    assert.equal(await page.locator(".d2h-file-side-diff").count(), 0, "unified first");
    assert.match(
      (await page.textContent('tr.diff-file[data-path="hello.txt"]')) ?? "",
      /added.*hello\.txt.*\+1.*−0/
    );
    const run = page.locator(".run").first();
    assert.match((await run.textContent()) ?? "", /round 1.*commit 01234567/);
    assert.match((await run.textContent()) ?? "", /baa\/task-review-1/);
    assert.equal(await run.locator("ul.events li").count(), 3);
    assert.equal((await run.locator(".final-message").textContent())?.trim(), "I wrote hello.txt.");
    // The patch's text stays text: no element comes from it.
    assert.equal(await page.locator("#task-diff script").count(), 0);
    assert.match((await page.textContent("#task-diff")) ?? "", /new line <script>alert\(1\)<\/script>/);
    await page.click('[data-diff-mode="split"]');
    await page.waitForSelector(".d2h-file-side-diff", WAIT);
    assert.equal(await page.locator(".d2h-file-wrapper").count(), 2);
    await page.locator("#task-diff").scrollIntoViewIfNeeded();
    await page.screenshot({
      path: join(process.env.STATUS_PAGE_SCREENSHOTS ?? dir.root, "task-review-fake.png"),
      fullPage: true
    });

    // Land: into another branch, pushed, with a pull request (its box only once a remote is picked).
    assert.equal(await page.isVisible("#land-pr"), false);
    await page.selectOption("#land-target", "release");
    await page.selectOption("#land-push", "origin");
    await page.check("#land-pr");
    await page.click("#task-land");
    await page.waitForSelector("#flash:has-text('Pushed to origin')", WAIT);
    assert.deepEqual(posted(`/v1/tasks/${REVIEW_TASK_ID}/land`), [
      { method: "merge", target: "release", push: "origin", pullRequest: {} }
    ]);

    // Revise: the conductor's refusal of an empty comment is shown; a comment goes through.
    await page.waitForSelector("#task-revise:not([disabled])", WAIT);
    await page.click("#task-revise");
    await page.waitForSelector("#task-action-error:has-text('comment: must not be empty')", WAIT);
    await page.fill("#revise-comment", "also handle the empty case");
    await page.click("#task-revise");
    await page.waitForSelector("#flash:has-text('Sent back')", WAIT);
    assert.deepEqual(posted(`/v1/tasks/${REVIEW_TASK_ID}/revise`).at(-1), {
      comment: "also handle the empty case"
    });

    // Discard refused by the conductor: its message is shown.
    await page.waitForSelector("#task-discard:not([disabled])", WAIT);
    await page.click("#task-discard");
    await page.waitForSelector("#task-action-error:has-text('task is landing')", WAIT);

    // Only the three refusals asked for above failed; nothing else did.
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(seen.failed, []);
    assert.deepEqual(seen.bad, [
      "400 POST /v1/tasks",
      `400 POST /v1/tasks/${REVIEW_TASK_ID}/revise`,
      `409 POST /v1/tasks/${REVIEW_TASK_ID}/discard`
    ]);
    assert.equal(seen.console.length, 3, seen.console.join("\n"));
    for (const line of seen.console)
      assert.match(line, /Failed to load resource: the server responded with a status of 40[09]/);
  } finally {
    await context?.close();
    await runtime.stop();
    await conductor.close();
    await codexd.close();
    dir.remove();
  }
});
