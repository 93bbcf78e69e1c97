import assert from "node:assert/strict";
import test from "node:test";
import {
  issueKey,
  issueKeyPrefix,
  issuePrompt,
  issueTask,
  MAX_ISSUE_BODY_CHARS,
  wantsTask
} from "../../src/github/issue-task.js";

const config = { repo: "Acme/Widgets", cwd: "/srv/widgets", label: "baa" };
const issue = {
  number: 12,
  title: "  Fix the flaky widget test ",
  body: "It fails one run in ten.\n\nSee CI.",
  state: "open" as const,
  labels: ["bug", "BAA"],
  url: "https://github.com/Acme/Widgets/issues/12"
};

test("an issue becomes a worktree task in the configured clone, keyed by repository and number", () => {
  const { task, externalKey } = issueTask({ ...config, review: "auto_land" }, issue);
  assert.equal(externalKey, "github:acme/widgets#12");
  assert.equal(externalKey, issueKey("acme/WIDGETS", 12), "GitHub names are case-insensitive");
  assert.ok(externalKey.startsWith(issueKeyPrefix("Acme/Widgets")));
  assert.equal(task.title, "Fix the flaky widget test");
  assert.equal(
    task.prompt,
    "Fix the flaky widget test\n\nIt fails one run in ten.\n\nSee CI.\n\n(GitHub issue Acme/Widgets#12: https://github.com/Acme/Widgets/issues/12)"
  );
  assert.equal(task.cwd, "/srv/widgets");
  assert.equal(task.workspace, "worktree");
  assert.equal(task.review, "auto_land");
  assert.equal(task.approvalPolicy, "never");
  assert.deepEqual(task.source, { kind: "github_issue", repo: "Acme/Widgets", number: 12, url: issue.url });
  assert.equal(
    "review" in issueTask(config, issue).task,
    false,
    "no review in the config: the task's default"
  );
});

test("an issue wants a task while it is open and carries the label (any case)", () => {
  assert.equal(wantsTask(issue, config), true);
  assert.equal(wantsTask({ ...issue, state: "closed" }, config), false);
  assert.equal(wantsTask({ ...issue, labels: ["bug"] }, config), false);
  assert.equal(wantsTask({ ...issue, labels: ["baa-later"] }, config), false);
  assert.equal(wantsTask(issue, { label: "bug" }), true);
});

test("the prompt: no body, an empty title, and a body too long for a prompt", () => {
  assert.equal(
    issuePrompt("a/b", { number: 1, title: "Only a title", body: null, url: "u" }),
    "Only a title\n\n(GitHub issue a/b#1: u)"
  );
  assert.equal(issueTask(config, { ...issue, title: " " }).task.title, "Issue #12");
  const long = issuePrompt("a/b", {
    number: 1,
    title: "t",
    body: "x".repeat(MAX_ISSUE_BODY_CHARS + 10),
    url: "u"
  });
  assert.match(long, /\[the issue's text was cut here\]/);
  assert.ok(long.length < MAX_ISSUE_BODY_CHARS + 200);
});
