import assert from "node:assert/strict";
import test from "node:test";
import { createBearerCheck, MIN_TOKEN_LENGTH, tokenProblem } from "../src/bearer-token.js";

const TOKEN = "t".repeat(MIN_TOKEN_LENGTH);

test("accepts exactly `Bearer <token>`, scheme in any case, and nothing else", () => {
  const check = createBearerCheck(TOKEN);
  assert.equal(check(`Bearer ${TOKEN}`), true);
  assert.equal(check(`bearer\t${TOKEN} `), true);
  for (const header of [
    undefined,
    "",
    "Bearer ",
    `Bearer ${TOKEN}x`,
    `Basic ${TOKEN}`,
    TOKEN,
    `Bearer ${"x".repeat(10_000)}`
  ]) {
    assert.equal(check(header), false, String(header).slice(0, 20));
  }
});

test("a token shorter than 32 characters is a problem that does not repeat it", () => {
  assert.equal(tokenProblem(TOKEN), undefined);
  const problem = tokenProblem("short-secret");
  assert.match(problem ?? "", /at least 32 characters \(got 12\)/);
  assert.ok(!(problem ?? "").includes("short-secret"));
});
