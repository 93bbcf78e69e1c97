import assert from "node:assert/strict";
import test from "node:test";

import { JsonRpcError } from "../src/errors.js";
import { defaultServerRequestHandler } from "../src/server-request-handler.js";

test("declines v2 command and file-change approvals", async () => {
  for (const method of ["item/commandExecution/requestApproval", "item/fileChange/requestApproval"]) {
    assert.deepEqual(await defaultServerRequestHandler({ id: 1, method, params: {} }), {
      decision: "decline"
    });
  }
});

test("denies legacy approvals with the ReviewDecision denial shape", async () => {
  for (const method of ["execCommandApproval", "applyPatchApproval"]) {
    const answer = (await defaultServerRequestHandler({ id: "a", method, params: {} })) as {
      decision: { denied: { rejection: string } };
    };
    assert.equal(typeof answer.decision.denied.rejection, "string");
  }
});

test("refuses anything else with -32601", async () => {
  await assert.rejects(
    defaultServerRequestHandler({ id: 2, method: "item/tool/requestUserInput", params: {} }),
    (error: unknown) =>
      error instanceof JsonRpcError && error.code === -32601 && /not supported/.test(error.message)
  );
});
