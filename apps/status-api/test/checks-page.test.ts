// Issue 15 on the page, in real headless Chromium against a fake conductor: a run's setup and
// check results (a failed one with its output tail, kept as text), a running task's checks
// appearing live from its events, the task's overlaps, line comments taken on diff2html's line
// numbers (new and old lines, unified and side by side) and sent back as revise `{comments}`,
// "Add to queue" and the Queues panel, the create form's checks. No console error, no failed request.
import assert from "node:assert/strict";
import { join } from "node:path";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import { launchPage, watchPage } from "@baa/test-support/browser";
import type { BrowserContext, Page } from "playwright-core";
import { StatusApiRuntime } from "../src/runtime.js";
import { CHECK_TASK_ID, checksConductor, LIVE_TASK_ID } from "./helpers/checks-conductor.js";
import { startFakeService, type FakeService } from "./helpers/fake-service.js";
import { codexdHandler } from "./helpers/fixtures.js";

const WAIT = { timeout: 20_000 };

/** The line-number cell of the row showing `text` in `path`'s file (in the given half when side by side). */
function lineNumberCell(page: Page, path: string, text: string, half?: 0 | 1) {
  const file = page.locator(`.d2h-file-wrapper[data-path="${path}"]`);
  const scope = half === undefined ? file : file.locator(".d2h-file-side-diff").nth(half);
  return scope
    .locator("tr", { has: page.locator(".d2h-code-line-ctn", { hasText: text }) })
    .locator("td.d2h-code-linenumber, td.d2h-code-side-linenumber");
}

async function comment(page: Page, cell: ReturnType<typeof lineNumberCell>, body: string, where: string) {
  await cell.click();
  const box = page.locator("tr.line-comment-box");
  await box.waitFor(WAIT);
  assert.match((await box.textContent()) ?? "", new RegExp(where.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  await box.locator("textarea").fill(body);
  await box.locator("button.line-comment-add").click();
  await box.waitFor({ state: "detached", ...WAIT });
}

test("checks, setup, overlaps, line comments, the land queue and the create form's checks, in headless Chromium", async () => {
  const fake = checksConductor();
  const conductor: FakeService = await startFakeService(fake.handler);
  const codexd = await startFakeService(codexdHandler());
  const dir = makeTempDir("status-api-checks-page-");
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

    // The task in review: setup, every check result by round, the new turn that answered them.
    await page.goto(`${base}/#/tasks/${CHECK_TASK_ID}`);
    await page.waitForSelector('#task-state[data-state="in_review"]', WAIT);
    await page.waitForSelector(".run-checks tr.check", WAIT);
    const checks = page.locator(".run-checks tr.check");
    assert.equal(await checks.count(), 5);
    const failed = page.locator('tr.check[data-name="test"][data-round="1"]');
    assert.equal(await failed.getAttribute("data-status"), "failed");
    assert.match((await failed.textContent()) ?? "", /test\s*failed\s*1\s*4s\s*1/);
    // The output tail is open for a failure, and its markup stays text.
    assert.equal(await failed.locator("details.check-output").getAttribute("open"), "");
    assert.equal(await failed.locator("pre").textContent(), "FAIL src/app.test.ts\n<b>expected 2, got 1</b>");
    assert.equal(await page.locator(".run-checks pre b").count(), 0);
    assert.equal(await page.locator('tr.check[data-name="e2e"] .badge').textContent(), "timed out");
    assert.equal(
      await page.locator('tr.check[data-name="lint"][data-round="1"] details.check-output').count(),
      0,
      "no output, no box"
    );
    assert.match(
      (await page.textContent(".check-turn")) ?? "",
      /Round 2: a new turn answers the failing check test/
    );
    assert.match(
      (await page.textContent(".run-setup")) ?? "",
      /Setup\s*passed.*copied \.env.*pnpm install.*exit 0/s
    );
    // Overlaps link to the other task.
    assert.match(
      (await page.textContent("#task-header .overlap")) ?? "",
      /changes the same files as task-other-2: src\/app\.ts, src\/b\.ts/
    );
    assert.equal(await page.getAttribute("#task-header .overlap a", "href"), "#/tasks/task-other-2");

    // Line comments, unified: an added line is commented on its new number, a deleted one on its old number.
    await page.waitForSelector('.d2h-file-wrapper[data-path="docs/new name.md"]', WAIT);
    await comment(
      page,
      lineNumberCell(page, "src/app.ts", "export const y = 3;"),
      "name y better",
      "src/app.ts:3 (new side)"
    );
    await comment(
      page,
      lineNumberCell(page, "src/app.ts", "export const x = 1;"),
      "why drop x = 1?",
      "src/app.ts:2 (old side)"
    );
    await comment(
      page,
      lineNumberCell(page, "src/app.ts", "export function f() {}"),
      "this one goes",
      "src/app.ts:4 (new side)"
    );
    assert.equal(await page.locator("tr.line-comment-note").count(), 3);
    await page.locator('li.pending-comment[data-line="4"] button.pending-remove').click();
    await page.waitForSelector("li.pending-comment >> nth=1", WAIT);
    assert.equal(await page.locator("li.pending-comment").count(), 2);
    // Side by side: the left half is the old file, the right half the new one; a renamed file is its new path.
    await page.click('[data-diff-mode="split"]');
    await page.waitForSelector(".d2h-file-side-diff", WAIT);
    assert.equal(await page.locator("tr.line-comment-note").count(), 2, "pending notes are drawn again");
    await comment(
      page,
      lineNumberCell(page, "docs/new name.md", "old words", 0),
      "keep the old words",
      "docs/new name.md:2 (old side)"
    );
    await comment(
      page,
      lineNumberCell(page, "docs/new name.md", "new words", 1),
      "and the new ones",
      "docs/new name.md:2 (new side)"
    );
    // Halves stay aligned: each note has a spacer in the other half.
    assert.equal(await page.locator("tr.line-comment-note-spacer").count(), 4);
    await page.locator("#task-diff").scrollIntoViewIfNeeded();
    await page.screenshot({
      path: join(process.env.STATUS_PAGE_SCREENSHOTS ?? dir.root, "task-checks-fake.png"),
      fullPage: true
    });
    await page.click("#task-send-comments");
    await page.waitForSelector("#flash:has-text('Sent back with 4 line comments')", WAIT);
    assert.deepEqual(posted(`/v1/tasks/${CHECK_TASK_ID}/revise`), [
      {
        comments: [
          { path: "src/app.ts", line: 3, side: "new", body: "name y better" },
          { path: "src/app.ts", line: 2, side: "old", body: "why drop x = 1?" },
          { path: "docs/new name.md", line: 2, side: "old", body: "keep the old words" },
          { path: "docs/new name.md", line: 2, side: "new", body: "and the new ones" }
        ]
      }
    ]);
    await page.waitForSelector("#pending-comments:has-text('No line comments yet')", WAIT);

    // Add to queue: queue with method and target; the header then names the place in the queue.
    await page.waitForSelector("#task-queue:not([disabled])", WAIT);
    await page.selectOption("#land-method", "squash");
    await page.click("#task-queue");
    await page.waitForSelector("#flash:has-text('Added to the land queue of main')", WAIT);
    assert.deepEqual(posted(`/v1/tasks/${CHECK_TASK_ID}/land`), [
      { queue: true, method: "squash", target: "main" }
    ]);
    await page.waitForSelector('#task-queue-place[data-position="2"]', WAIT);
    assert.match(
      (await page.textContent("#task-queue-place")) ?? "",
      /waiting to land into main \(squash\).*position 2 of 2/
    );

    // The Queues panel on the tasks view: entries in order, the landing one marked.
    await page.click('nav a[data-view="tasks"]');
    await page.waitForSelector(
      `#queues-body .queue[data-target="main"] li.queue-entry[data-task-id="${CHECK_TASK_ID}"]`,
      WAIT
    );
    const entries = page.locator("#queues-body li.queue-entry");
    assert.deepEqual(
      await entries.evaluateAll((items) =>
        items.map((item) => [item.getAttribute("data-task-id"), item.getAttribute("data-position")])
      ),
      [
        ["task-first", "1"],
        [CHECK_TASK_ID, "2"]
      ]
    );
    assert.match(
      (await page.textContent("#queues-body .queue")) ?? "",
      /main in \/tmp\/repo\s*landing · lock held by node-a/
    );
    assert.equal(await page.locator("li.queue-entry.is-landing").getAttribute("data-task-id"), "task-first");

    // The create form: checks as `name: command` lines; a line without a colon is refused here.
    await page.fill('#create-task [name="title"]', "with checks");
    await page.fill('#create-task [name="prompt"]', "make it pass");
    await page.fill('#create-task [name="checks"]', "test: npm test\nno colon here");
    await page.click('#create-task button[type="submit"]');
    await page.waitForSelector(
      "#create-task-error:has-text('checks, line 2: write it as name: command')",
      WAIT
    );
    await page.fill(
      '#create-task [name="checks"]',
      "test: npm test\n\nlint: npx eslint . --max-warnings=0\n"
    );
    await page.click('#create-task button[type="submit"]');
    await page.waitForURL(/#\/tasks\/task-review-1$/, WAIT);
    assert.deepEqual(posted("/v1/tasks"), [
      {
        title: "with checks",
        prompt: "make it pass",
        checks: [
          { name: "test", run: "npm test" },
          { name: "lint", run: "npx eslint . --max-warnings=0" }
        ]
      }
    ]);

    // A running task: its checks appear as the run's events arrive, before the run object has them.
    await page.goto(`${base}/#/tasks/${LIVE_TASK_ID}`);
    await page.waitForSelector('#task-state[data-state="running"]', WAIT);
    assert.equal(await page.locator(".run-checks").count(), 0);
    fake.emitLive("run.check.started", { name: "test", round: 1 });
    await page.waitForSelector('tr.check[data-name="test"][data-status="running"]', WAIT);
    fake.emitLive("run.check.ended", {
      name: "test",
      status: "failed",
      exitCode: 2,
      durationMs: 800,
      outputTail: "boom",
      round: 1
    });
    await page.waitForSelector('tr.check[data-name="test"][data-status="failed"]', WAIT);
    assert.equal(await page.textContent('tr.check[data-name="test"] pre'), "boom");
    assert.match((await page.textContent('tr.check[data-name="test"]')) ?? "", /800 ms/);
    fake.emitLive("run.checks.turn", { round: 2, failed: ["test"] });
    await page.waitForSelector('.check-turn[data-round="2"]', WAIT);

    assert.deepEqual(seen.errors, []);
    assert.deepEqual(seen.failed, []);
    assert.deepEqual(seen.bad, []);
    assert.deepEqual(seen.console, []);
  } finally {
    await context?.close();
    await runtime.stop();
    await conductor.close();
    await codexd.close();
    dir.remove();
  }
});
