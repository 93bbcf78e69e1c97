import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import test from "node:test";
import { pino } from "pino";
import { runStatusApiCli } from "../src/cli.js";
import type { StatusApiRuntime } from "../src/runtime.js";

const writer = () => {
  const chunks: string[] = [];
  return { chunks, write: (chunk: string) => chunks.push(chunk), text: () => chunks.join("") };
};

test("config prints the resolved configuration with the token redacted; help and bad input exit as documented", async () => {
  const out = writer();
  const code = await runStatusApiCli({
    argv: ["node", "status-api", "config", "--refresh-ms", "250"],
    env: { BAA_SHARED_TOKEN: "t".repeat(40) },
    stdout: out
  });
  assert.equal(code, 0);
  const shown = JSON.parse(out.text());
  assert.equal(shown.refreshMs, 250);
  assert.equal(shown.sharedToken, "[redacted]");
  assert.doesNotMatch(out.text(), /tttttttt/);

  assert.equal(await runStatusApiCli({ argv: ["node", "status-api", "help"], stdout: writer() }), 0);
  const err = writer();
  assert.equal(await runStatusApiCli({ argv: ["node", "status-api", "launch"], stderr: err }), 2);
  assert.match(err.text(), /unknown command "launch"/);
  const bad = writer();
  assert.equal(
    await runStatusApiCli({ argv: ["node", "status-api", "start", "--refresh-ms", "never"], stderr: bad }),
    2
  );
  assert.match(bad.text(), /refreshMs \(--refresh-ms \/ BAA_STATUS_API_REFRESH_MS\)/);
});

test("start listens, answers /healthz, and SIGTERM stops it with exit 0", async () => {
  const signals = new EventEmitter();
  let onStarted!: (runtime: StatusApiRuntime) => void;
  const started = new Promise<StatusApiRuntime>((resolve) => (onStarted = resolve));
  const exit = runStatusApiCli({
    argv: [
      "node",
      "status-api",
      "start",
      "--local-api-base",
      "http://127.0.0.1:0",
      "--conductor-local-api",
      "http://127.0.0.1:9",
      "--codexd-local-api-base",
      "http://127.0.0.1:9"
    ],
    env: {},
    signals: signals as never,
    logger: pino({ level: "silent" }),
    onStarted
  });
  const runtime = await started;
  const health = await fetch(`${runtime.baseUrl}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { data: { service: string } }).data.service, "status-api");
  signals.emit("SIGTERM", "SIGTERM");
  assert.equal(await exit, 0);
});
