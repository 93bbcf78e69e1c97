import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import { runCodexdCli } from "../src/cli.js";

const sink = () => {
  let text = "";
  return { write: (chunk: string) => (text += chunk), read: () => text };
};

test("start refuses a hand-damaged state file with one clear line naming it, and no stack trace", async () => {
  const ws = makeTempDir("codexd-test-");
  try {
    mkdirSync(ws.path("state"), { recursive: true });
    writeFileSync(ws.path("state", "session-registry.json"), "{ not json");
    const stderr = sink();
    const code = await runCodexdCli({
      argv: [
        "node",
        "codexd",
        "start",
        "--state-dir",
        ws.path("state"),
        "--logs-dir",
        ws.path("logs"),
        "--local-api-base",
        "http://127.0.0.1:0",
        "--log-level",
        "silent"
      ],
      env: {},
      processLike: {},
      stderr
    });
    assert.equal(code, 1);
    assert.match(stderr.read(), /session-registry\.json is not valid JSON/);
    assert.doesNotMatch(stderr.read(), /\n\s+at /);
  } finally {
    ws.remove();
  }
});

test("no command prints the usage and exits 2; a bad flag exits 2 naming it", async () => {
  const out = sink();
  assert.equal(await runCodexdCli({ argv: ["node", "codexd"], stdout: out, stderr: out }), 2);
  assert.match(out.read(), /usage: codexd/);
  const err = sink();
  assert.equal(
    await runCodexdCli({ argv: ["node", "codexd", "status", "--bogus"], env: {}, stderr: err }),
    2
  );
  assert.match(err.read(), /bogus/);
});

test("config prints the resolved configuration as JSON", async () => {
  const out = sink();
  assert.equal(
    await runCodexdCli({ argv: ["node", "codexd", "config", "--node-id", "n1"], env: {}, stdout: out }),
    0
  );
  const config = JSON.parse(out.read());
  assert.equal(config.nodeId, "n1");
  assert.equal(config.service.localApiBase, "http://127.0.0.1:4319");
});
