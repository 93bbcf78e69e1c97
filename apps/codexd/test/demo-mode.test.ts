import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";

import { startDemoModel } from "../src/demo-mode.js";

const context = (cwd: string) => ({
  type: "message",
  role: "user",
  content: [
    { type: "input_text", text: `<environment_context>\n  <cwd>${cwd}</cwd>\n</environment_context>` }
  ]
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
  const dir = makeTempDir("codexd-demo-");
  const model = await startDemoModel(dir.path("demo-codex-home"));
  try {
    const toml = readFileSync(dir.path("demo-codex-home", "config.toml"), "utf8");
    assert.match(toml, /^sandbox_mode = "workspace-write"$/m);
    assert.ok(toml.includes(`base_url = "${model.url}/v1"`), toml);

    const worktree = dir.path("state", "conductor", "worktrees", "task-1");
    const task = await respond(model.url, [context(worktree), prompt("Write the notes")]);
    assert.match(task, /"type":"function_call"/);
    assert.match(task, /"name":"exec_command"/);
    assert.ok(task.includes("notes/write-the-notes.md"), task);

    const duplex = await respond(model.url, [context(dir.root), prompt("Say hello.")]);
    assert.doesNotMatch(duplex, /function_call/);
    assert.match(duplex, /mock reply to: Say hello\./);
  } finally {
    await model.close();
    dir.remove();
  }
});
