import assert from "node:assert/strict";
import test from "node:test";
import { diffStat, type DiffFile } from "../src/commands/diff-stat.js";

const file = (
  path: string,
  additions: number,
  deletions: number,
  extra: Partial<DiffFile> = {}
): DiffFile => ({
  path,
  oldPath: null,
  status: "modified",
  additions,
  deletions,
  binary: false,
  ...extra
});

test("bars are scaled to 40 marks for the largest file; a small change keeps one mark of each kind", () => {
  const text = diffStat([file("big.ts", 150, 50), file("small.ts", 1, 1)]);
  const [big, small, totals] = text.split("\n");
  assert.equal(big, ` big.ts   | 200 ${"+".repeat(30)}${"-".repeat(10)}`);
  assert.equal(small, " small.ts |   2 +-");
  assert.equal(totals, " 2 files changed, 151 insertions(+), 51 deletions(-)");
});

test("singular words, deletions alone, and nothing at all", () => {
  assert.equal(
    diffStat([file("gone.txt", 0, 1, { status: "deleted" })]),
    " gone.txt (gone) | 1 -\n 1 file changed, 1 deletion(-)"
  );
  assert.equal(diffStat([file("a", 1, 0)]).split("\n")[1], " 1 file changed, 1 insertion(+)");
  assert.equal(diffStat([]), "no changes");
});
