import assert from "node:assert/strict";
import test from "node:test";

import { viewRequest } from "../src/index.js";

test("userTexts keeps every user input_text in order, skipping other roles and parts", () => {
  const body = {
    input: [
      { type: "message", role: "developer", content: [{ type: "input_text", text: "dev" }] },
      { type: "message", role: "user", content: [{ type: "input_text", text: "<environment_context/>" }] },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "earlier answer" }] },
      {
        type: "message",
        role: "user",
        content: [
          { type: "input_image", image_url: "x" },
          { type: "input_text", text: "ping" }
        ]
      },
      { role: "user", content: "bare string content" }
    ]
  };
  const view = viewRequest("/v1/responses", body, 42);
  assert.deepEqual(view.userTexts, ["<environment_context/>", "ping", "bare string content"]);
  assert.equal(view.lastUserText, "bare string content");
  assert.equal(view.receivedAt, 42);
  assert.equal(view.body, body);
});

test("functionCallOutputs normalises string and structured outputs", () => {
  const view = viewRequest(
    "/v1/responses",
    {
      input: [
        { type: "function_call", name: "exec_command", arguments: "{}", call_id: "c1" },
        { type: "function_call_output", call_id: "c1", output: "hi\n" },
        {
          type: "function_call_output",
          call_id: "c2",
          output: [
            { type: "input_text", text: "a" },
            { type: "input_text", text: "b" }
          ]
        }
      ]
    },
    0
  );
  assert.deepEqual(view.functionCallOutputs, [
    { callId: "c1", output: "hi\n" },
    { callId: "c2", output: "ab" }
  ]);
  assert.deepEqual(view.userTexts, []);
  assert.equal(view.lastUserText, undefined);
});

test("bodies without an input array give empty views", () => {
  for (const body of [null, 3, {}, { input: "text" }]) {
    const view = viewRequest("/v1/responses", body, 0);
    assert.deepEqual([view.userTexts, view.functionCallOutputs], [[], []]);
  }
});
