import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { eventually, tempDir } from "@baa/test-support";
import { freePort } from "../support/codexd-process.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

function start(env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, [join(root, "scripts/start-node.mjs"), "--demo"], {
    cwd: root,
    env: {
      ...process.env,
      CODEX_HOME: undefined,
      BAA_CODEXD_LOG_LEVEL: "warn",
      BAA_CONDUCTOR_LOG_LEVEL: "warn",
      ...env
    },
    stdio: ["ignore", "ignore", "pipe"],
    detached: true
  });
  const stderr = { text: "" };
  child.stderr.on("data", (chunk: Buffer) => {
    stderr.text += chunk.toString("utf8");
  });
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, stderr, exited };
}

test("a second start on the same machine says a node already runs, exits non-zero, prints no ready, and leaves the first alone", async (t) => {
  const dir = tempDir(t, "baa-second-");
  const urls = [await freePort(), await freePort(), await freePort()].map(
    (port) => `http://127.0.0.1:${port}`
  );
  const env = {
    HOME: dir.path("home"),
    BAA_REPO_ROOT: dir.path("node"),
    BAA_CODEXD_LOCAL_API_BASE: urls[0],
    BAA_CONDUCTOR_LOCAL_API: urls[1],
    BAA_STATUS_API_LOCAL_API: urls[2]
  };
  const first = start(env);
  try {
    await eventually(
      () => /\[start\] ready/.test(first.stderr.text) || first.child.exitCode !== null,
      "the first node"
    );
    assert.match(first.stderr.text, /\[start\] ready/);

    // Same addresses and state dir: refused before anything starts.
    const second = start(env);
    const [code] = await second.exited;
    assert.equal(code, 2, second.stderr.text);
    assert.match(second.stderr.text, /a node is already running here: codexd at http:\/\/127\.0\.0\.1:\d+/);
    assert.doesNotMatch(second.stderr.text, /\[start\] ready|is up at/);

    // Same state dir, other addresses: codexd's single-instance check refuses; no "ready".
    const others = [await freePort(), await freePort(), await freePort()].map(
      (port) => `http://127.0.0.1:${port}`
    );
    const third = start({
      ...env,
      BAA_CODEXD_LOCAL_API_BASE: others[0],
      BAA_CONDUCTOR_LOCAL_API: others[1],
      BAA_STATUS_API_LOCAL_API: others[2]
    });
    const [thirdCode] = await third.exited;
    assert.notEqual(thirdCode, 0, third.stderr.text);
    assert.doesNotMatch(third.stderr.text, /\[start\] ready/);

    for (const url of urls)
      assert.equal((await fetch(`${url}/healthz`)).ok, true, `the first node still answers at ${url}`);
    assert.equal(first.child.exitCode, null, "the first node still runs");
  } finally {
    if (first.child.exitCode === null) process.kill(-(first.child.pid as number), "SIGTERM");
    await first.exited;
  }
});
