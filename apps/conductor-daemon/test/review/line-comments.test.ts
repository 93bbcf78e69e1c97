import assert from "node:assert/strict";
import test from "node:test";
import { hunkExcerpt, revisionInput } from "../../src/review/line-comments.js";

const patch = [
  "diff --git a/app.ts b/app.ts",
  "--- a/app.ts",
  "+++ b/app.ts",
  "@@ -1,4 +1,5 @@",
  " line one",
  "-line two",
  "+line 2",
  "+line 2b",
  " line three",
  " line four",
  "@@ -10,2 +11,3 @@ function tail() {",
  " ten",
  "+eleven new",
  " twelve",
  ""
].join("\n");

test("a new-side line is found in its hunk and marked", () => {
  const shown = hunkExcerpt(patch, "new", 3);
  assert.ok(shown);
  assert.match(shown, /^@@ -1,4 \+1,5 @@/);
  assert.match(shown, /\+line 2b {4}<-- this line/);
  assert.match(hunkExcerpt(patch, "new", 12) ?? "", /\+eleven new {4}<-- this line/);
});

test("an old-side line is found on the base's numbering; context lines count on both sides", () => {
  assert.match(hunkExcerpt(patch, "old", 2) ?? "", /-line two {4}<-- this line/);
  assert.match(hunkExcerpt(patch, "old", 3) ?? "", / line three {4}<-- this line/);
  assert.match(hunkExcerpt(patch, "new", 4) ?? "", / line three {4}<-- this line/);
});

test("a line the diff does not show is null", () => {
  assert.equal(hunkExcerpt(patch, "new", 8), null);
  assert.equal(hunkExcerpt(patch, "old", 99), null);
  assert.equal(hunkExcerpt("", "new", 1), null);
});

test("the revision input gives the comment, then each line comment with its hunk", () => {
  const text = revisionInput("Overall fine.", [
    {
      path: "app.ts",
      line: 3,
      side: "new",
      body: "Name this better.",
      excerpt: "@@ -1,4 +1,5 @@\n+line 2b    <-- this line"
    }
  ]);
  assert.match(
    text,
    /^Overall fine\.\n\nReview comments on your changes \(1\):\n\n### app\.ts, line 3 \(your version\)\n```diff\n@@/
  );
  assert.match(text, /<-- this line\n```\nName this better\.$/);
});
