import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { test } from "node:test";
import { makeTempDir, tempDir } from "../src/temp-dir.js";

test("tempDir makes a fresh directory under os.tmpdir and removes it with its contents at the end", () => {
  const hooks: Array<() => unknown> = [];
  const dir = tempDir({ after: (fn) => hooks.push(fn) }, "ts-test-");
  assert.ok(!relative(tmpdir(), dir.root).startsWith(".."));
  assert.match(dir.root, /ts-test-[^/]+$/);
  assert.equal(dir.path("a", "b.json"), join(dir.root, "a", "b.json"));
  writeFileSync(dir.path("file.txt"), "x");
  assert.equal(hooks.length, 1);
  hooks[0]!();
  assert.equal(existsSync(dir.root), false);
});

test("tempDir gives each call its own directory", (t) => {
  const a = tempDir(t);
  const b = tempDir(t);
  assert.notEqual(a.root, b.root);
  assert.ok(existsSync(a.root) && existsSync(b.root));
});

test("makeTempDir is removed by its remove(), and a second remove does nothing", () => {
  const dir = makeTempDir("ts-make-");
  writeFileSync(dir.path("file.txt"), "x");
  dir.remove();
  assert.equal(existsSync(dir.root), false);
  dir.remove();
});
