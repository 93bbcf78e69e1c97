import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";

import { startDemoModel } from "../src/demo-mode.js";

const context = (cwd: string) => ({
  type: "message",
  role: "user",
  content: [{ type: "input_text", text: `<environment_context>\n  <cwd>${cwd}</cwd>\n</environment_context>` }]
});
const prompt = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });

async function respond(url: string, input: object[]): Promise<string> {
  const response = await fetch(`${url}/v1/responses`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "mock-model", stream: true, input })
  });
  assert.equal(response.status, 200);
  return response.text();
}

test("demo model: codex home with workspace-write, a shell command in a task worktree, an echo elsewhere", async () => {
  const dir = mkdtempSync(join(tmpdir(), "codexd-demo-"));
  const model = await startDemoModel(join(dir, "demo-codex-home"));
  try {
    const toml = readFileSync(join(dir, "demo-codex-home", "config.toml"), "utf8");
    assert.match(toml, /^sandbox_mode = "workspace-write"$/m);
    assert.ok(toml.includes(`base_url = "${model.url}/v1"`), toml);

    const worktree = join(dir, "state", "conductor", "worktrees", "task-1");
    const task = await respond(model.url, [context(worktree), prompt("Write the notes")]);
    assert.match(task, /"type":"function_call"/);
    assert.match(task, /"name":"exec_command"/);
    assert.ok(task.includes("notes/write-the-notes.md"), task);

    const duplex = await respond(model.url, [context(dir), prompt("Say hello.")]);
    assert.doesNotMatch(duplex, /function_call/);
    assert.match(duplex, /mock reply to: Say hello\./);
  } finally {
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
