// Must-show 2: the live page in real headless Chromium against the real stack (codexd with the
// real codex binary and the mock model, the conductor with its loops, status-api). The page
// loads and shows live data, follows codexd going down and coming back, shows a task waiting on
// an approval with its live events, lets a person approve it so the turn and the task finish,
// and pauses and resumes the system. Screenshots go to the test's temp dir (or to
// $STATUS_PAGE_SCREENSHOTS when set, to look at them).
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { launchPage, watchPage } from "@baa/test-support/browser";
import { StatusApiRuntime } from "../../apps/status-api/dist/index.js";
import { eventually, getJson, postJson } from "../support/http.js";
import { E2E_TOKEN } from "../support/real-stack.js";
import { startTaskStack, type TaskStack } from "../support/task-stack.js";

// A loaded 2-core machine runs codex, three services and a browser at once: wait generously.
const WAIT = { timeout: 45_000 };

type Shot = (name: string) => Promise<unknown>;

/**
 * 3. A task whose turn wants to run a command: it waits on an approval, shown with its live
 * events; approving it on the page lets the turn and then the task finish.
 */
async function approvalAnsweredOnThePage(page: Page, stack: TaskStack, shot: Shot): Promise<void> {
  const file = stack.dir.path("repo", "approved-from-the-page.txt");
  const created = await stack.createTask({
    title: "touch from the page",
    prompt: `TOUCH ${file}`,
    cwd: stack.dir.path("repo"),
    approvalPolicy: "untrusted",
    sandbox: "workspace-write"
  });
  assert.equal(created.status, 201, created.text);
  const taskId = created.body.data.task.taskId as string;
  await page.waitForSelector(`.task[data-task-id="${taskId}"][data-state="needs_approval"]`, WAIT);
  await page.waitForSelector(`.task[data-task-id="${taskId}"] ul.events li`, WAIT);
  const approval = page.locator(".approval").first();
  await approval.waitFor(WAIT);
  assert.match((await approval.textContent()) ?? "", /touch .*approved-from-the-page\.txt/);
  await page.waitForSelector('.count[data-state="needs_approval"][data-count="1"]', WAIT);
  await shot("03-needs-approval");
  await approval.locator('button[data-decision="accept"]').click();
  await page.waitForSelector(`tr.task[data-task-id="${taskId}"][data-state="succeeded"]`, WAIT);
  await page.waitForSelector('.count[data-state="succeeded"][data-count="1"]', WAIT);
  await page.waitForSelector("#approvals-body >> text=Nothing is waiting for an answer.", WAIT);
  assert.ok(existsSync(file), "the command approved on the page ran");
  const done = await stack.task(taskId);
  assert.equal(done.state, "succeeded");
  const runs = await stack.runs(taskId);
  assert.equal(runs.at(-1).state, "succeeded");
  assert.match(runs.at(-1).finalMessage ?? "", /tool said/);
  await shot("04-task-succeeded");
}

/** 1. The page loads and goes live; a session and its turn made outside the page appear without a reload. */
async function phaseLive(page: Page, stack: TaskStack, base: string, shot: Shot): Promise<void> {
  // Both services up, codex's child running.
  await page.goto(`${base}/`);
  await page.waitForSelector('#live[data-state="live"]', WAIT);
  await page.waitForSelector('[data-service="conductor"][data-state="up"]', WAIT);
  await page.waitForSelector('[data-service="codexd"][data-state="up"]', WAIT);
  await page.waitForSelector('#child-state[data-state="running"]', WAIT);
  await page.waitForSelector('#system-mode[data-mode="running"]', WAIT);
  assert.match((await page.textContent("#node-id")) ?? "", /e2e-node/);

  // Live data: a session and its turn, made outside the page, appear without a reload.
  const sessionId = (await postJson(`${stack.conductorBase}/v1/codex/sessions`, { purpose: "duplex" })).body
    .data.session.sessionId as string;
  const turn = await postJson(`${stack.conductorBase}/v1/codex/turn`, { sessionId, input: "hello page" });
  assert.equal(turn.status, 202, turn.text);
  const row = `tr.session[data-session-id="${sessionId}"][data-turn-status="completed"]`;
  await page.waitForSelector(row, WAIT);
  assert.equal((await page.textContent(`${row} td.reply`))?.trim(), "mock reply to: hello page");
  await shot("01-live");
}

/** 2. codexd goes down: the page says so, and the conductor stays up; then it comes back. */
async function phaseCodexdDownAndBack(page: Page, stack: TaskStack, shot: Shot): Promise<void> {
  await stack.codexd.stop();
  await page.waitForSelector('[data-service="codexd"][data-state="down"]', WAIT);
  await page.waitForSelector('[data-service="conductor"][data-state="up"]', WAIT);
  assert.match(
    (await page.textContent('[data-service="codexd"] .error')) ?? "",
    /unreachable: GET \/v1\/codexd\/status/
  );
  await shot("02-codexd-down");

  // ... and comes back on the same port: up again, with a running child.
  await stack.restartCodexd();
  await page.waitForSelector('[data-service="codexd"][data-state="up"]', WAIT);
  await page.waitForSelector('#child-state[data-state="running"]', WAIT);
}

/** 4. Pause and resume from the page: the conductor's mode follows. */
async function phasePauseAndResume(page: Page, stack: TaskStack, shot: Shot): Promise<void> {
  await page.click("#pause");
  await page.waitForSelector('#system-mode[data-mode="paused"]', WAIT);
  assert.equal((await getJson(`${stack.conductorBase}/v1/system/state`)).body.data.mode, "paused");
  await shot("05-paused");
  await page.click("#resume");
  await page.waitForSelector('#system-mode[data-mode="running"]', WAIT);
  assert.equal((await getJson(`${stack.conductorBase}/v1/system/state`)).body.data.mode, "running");
}

test("the live page in headless Chromium: live data, codexd down and back, an approval answered from the page, a task finishing, pause and resume", async () => {
  const stack = await startTaskStack();
  stack.model.setDefaultReply((r) => {
    const prompt = r.lastUserText ?? "";
    if (r.functionCallOutputs.length > 0)
      return {
        kind: "text",
        text: `tool said: ${r.functionCallOutputs
          .map((o) => o.output)
          .join(" / ")
          .slice(0, 200)}`
      };
    if (prompt.startsWith("TOUCH"))
      return { kind: "tool_call", arguments: { cmd: `touch ${prompt.slice("TOUCH ".length)}` } };
    return { kind: "text", text: `mock reply to: ${prompt}` };
  });
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
    // This test checks only that the page threw nothing (seen.errors); the console errors, failed
    // requests and answers >= 400 watchPage also records are not asserted on here.
    const seen = watchPage(page);
    const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

    await phaseLive(page, stack, base, shot);

    await phaseCodexdDownAndBack(page, stack, shot);

    await approvalAnsweredOnThePage(page, stack, shot);

    await phasePauseAndResume(page, stack, shot);

    // The page never needed another origin, and threw nothing.
    assert.deepEqual(seen.errors, []);
    await eventually(
      async () => (existsSync(join(shots, "05-paused.png")) ? true : null),
      "screenshots written"
    );
  } finally {
    await context?.close();
    await statusApi.stop();
    await stack.stop();
  }
});
