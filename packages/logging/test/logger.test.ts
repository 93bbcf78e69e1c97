import assert from "node:assert/strict";
import test from "node:test";
import { createServiceLogger } from "../src/index.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, destination: { write: (chunk: string) => void lines.push(JSON.parse(chunk)) } };
}

test("tokens, authorization and cookie headers and environments never reach the log", () => {
  const { lines, destination } = capture();
  const logger = createServiceLogger({ service: "codexd", destination });
  const secret = "s3cr3t-token-value-that-is-long-enough";
  logger.info(
    {
      token: secret,
      sharedToken: secret,
      env: { OPENAI_API_KEY: secret },
      config: { sharedToken: secret },
      req: { headers: { authorization: `Bearer ${secret}`, cookie: `a=${secret}` } },
      headers: { authorization: `Bearer ${secret}` },
      child: { token: secret, env: { X: secret } }
    },
    "request"
  );
  assert.equal(lines.length, 1);
  assert.doesNotMatch(JSON.stringify(lines[0]), /s3cr3t/);
  assert.equal(lines[0]?.service, "codexd");
  assert.equal(
    (lines[0]?.req as { headers: { authorization: string } } | undefined)?.headers.authorization,
    "[redacted]"
  );
});

test("errors are logged under err with message and stack; the level is honoured", () => {
  const { lines, destination } = capture();
  const logger = createServiceLogger({ service: "conductor-daemon", level: "warn", destination });
  logger.info("dropped");
  logger.error({ err: new Error("boom") }, "failed");
  assert.equal(lines.length, 1);
  const err = lines[0]?.err as { message: string; stack: string };
  assert.equal(err.message, "boom");
  assert.match(err.stack, /Error: boom/);
});
