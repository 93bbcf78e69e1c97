import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { EventEmitter, once } from "node:events";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "@baa/test-support";
import { runConductorCli } from "../src/cli.js";
import type { ConductorRuntime } from "../src/runtime.js";
import { textSink } from "./helpers/conductor.js";

const argv = (...rest: string[]) => ["node", "conductor-daemon", ...rest];

test("config prints the resolved configuration with the token redacted", async () => {
  const stdout = textSink();
  const code = await runConductorCli({
    argv: argv("config", "--node-id", "n1"),
    env: { BAA_SHARED_TOKEN: "very-secret-0123456789abcdef0123456789", BAA_REPO_ROOT: "/srv/baa" },
    stdout
  });
  assert.equal(code, 0);
  const printed = JSON.parse(stdout.read());
  assert.equal(printed.nodeId, "n1");
  assert.equal(printed.sharedToken, "[redacted]");
  assert.equal(printed.paths.stateDir, "/srv/baa/state/conductor");
  assert.doesNotMatch(stdout.read(), /very-secret/);
});

test("config shows the database URL without its password", async () => {
  const stdout = textSink();
  const code = await runConductorCli({
    argv: argv("config"),
    env: { BAA_DATABASE_URL: "postgres://baa:db-secret-42@db.internal:5432/baa" },
    stdout
  });
  assert.equal(code, 0);
  assert.equal(JSON.parse(stdout.read()).databaseUrl, "postgres://baa:[redacted]@db.internal:5432/baa");
  assert.doesNotMatch(stdout.read(), /db-secret-42/);
});

test("bad configuration exits 2 with every problem on stderr; help and unknown commands", async () => {
  const stderr = textSink();
  const code = await runConductorCli({
    argv: argv("start", "--role", "x", "--nope"),
    env: { BAA_TRUSTED_CIDRS: "bad" },
    stderr
  });
  assert.equal(code, 2);
  assert.match(stderr.read(), /--nope/);
  assert.match(stderr.read(), /role/);
  assert.match(stderr.read(), /trustedCidrs/);

  const none = textSink();
  assert.equal(await runConductorCli({ argv: ["node", "conductor-daemon"], stderr: none }), 2);
  assert.match(none.read(), /usage: conductor-daemon/);
  const help = textSink();
  assert.equal(await runConductorCli({ argv: argv("help"), stdout: help }), 0);
  assert.match(help.read(), /usage: conductor-daemon/);
  assert.equal(await runConductorCli({ argv: argv("frobnicate"), stderr: textSink() }), 2);
});

test("start serves until SIGTERM, then stops and exits 0; the token stays out of the log", async (t) => {
  const dir = tempDir(t);
  const stdout = textSink();
  const signals = new EventEmitter();
  let onStarted!: (runtime: ConductorRuntime) => void;
  const started = new Promise<ConductorRuntime>((resolve) => {
    onStarted = resolve;
  });
  const exitCode = runConductorCli({
    argv: argv("start", "--local-api-base", "http://127.0.0.1:0", "--repo-root", dir.root),
    env: { BAA_CODEXD_LOCAL_API_BASE: "http://127.0.0.1:1" },
    stdout,
    signals,
    onStarted
  });
  const runtime = await started;
  t.after(() => runtime.stop());
  const base = runtime.getSnapshot().controlApi.localApiBase;
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  signals.emit("SIGTERM", "SIGTERM");
  assert.equal(await exitCode, 0);
  assert.equal(runtime.getSnapshot().state, "stopped");

  const token = readFileSync(join(dir.root, "state/conductor/shared-token"), "utf8").trim();
  const log = stdout.read();
  assert.match(log, /conductor listening/);
  assert.match(log, /signal received: stopping/);
  assert.ok(log.includes(join(dir.root, "state/conductor/shared-token")));
  assert.ok(!log.includes(token));
});

test("main.ts runs as a process and exits 0 on SIGTERM", async (t) => {
  const dir = tempDir(t);
  const workspaceRoot = fileURLToPath(new URL("../../../", import.meta.url));
  const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));
  const child = spawn(
    process.execPath,
    ["--import", "tsx", main, "start", "--local-api-base", "http://127.0.0.1:0", "--repo-root", dir.root],
    {
      cwd: workspaceRoot,
      env: { PATH: process.env.PATH ?? "", BAA_SHARED_TOKEN: "proc-secret-0123456789abcdef0123456789" },
      stdio: ["ignore", "pipe", "pipe"]
    }
  );
  t.after(() => child.kill("SIGKILL"));
  const exited = once(child, "exit");
  let output = "";
  let base: string | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    output += `${line}\n`;
    const entry = JSON.parse(line) as { msg?: string; localApiBase?: string };
    if (entry.msg === "conductor listening") {
      base = entry.localApiBase;
      break;
    }
  }
  assert.ok(base, output);
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  child.kill("SIGTERM");
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0);
  assert.doesNotMatch(output, /proc-secret/);
});
