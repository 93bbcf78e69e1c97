import assert from "node:assert/strict";
import test from "node:test";
import { createConductorLogger } from "../src/logger.js";
import { textSink } from "./helpers/conductor.js";

test("tokens and authorization headers are censored wherever they appear", () => {
  const sink = textSink();
  const logger = createConductorLogger({ destination: sink, level: "info" });
  logger.info({ req: { headers: { authorization: "Bearer sekrit-1" } } }, "request");
  logger.info({ headers: { authorization: "Bearer sekrit-2" } }, "headers");
  logger.info({ config: { sharedToken: "sekrit-3", nodeId: "n" } }, "config");
  logger.info({ sharedToken: "sekrit-4", token: "sekrit-5" }, "flat");
  logger.child({ component: "x" }).info({ env: { BAA_SHARED_TOKEN: "sekrit-6" } }, "env");
  const text = sink.read();
  assert.doesNotMatch(text, /sekrit/);
  assert.match(text, /\[redacted\]/);
  assert.match(text, /"service":"conductor-daemon"/);
  assert.match(text, /"nodeId":"n"/);
});
