// `baa tasks diff|revise|land|discard` against a fake conductor: the flags become the requests
// the API documents, the answers become the output, and the API's refusals keep their code.
import assert from "node:assert/strict";
import test from "node:test";
import { ExitCode } from "../src/index.js";
import { fakeConductor, ok, refused, runBaa } from "./fake-conductor.js";
import { taskDoc } from "./task-fixtures.js";

const PATCH =
  "diff --git a/hello.txt b/hello.txt\nnew file mode 100644\n--- /dev/null\n+++ b/hello.txt\n@@ -0,0 +1 @@\n+hi\n";
const diffDoc = (overrides: Record<string, unknown> = {}) => ({
  base: { branch: "main", commit: "1111111111aaaaaaaa" },
  head: { branch: "baa/task-1", commit: "2222222222bbbbbbbb" },
  files: [
    { path: "hello.txt", oldPath: null, status: "added", additions: 1, deletions: 0, binary: false },
    { path: "src/app.ts", oldPath: null, status: "modified", additions: 3, deletions: 2, binary: false },
    { path: "logo.png", oldPath: null, status: "modified", additions: 0, deletions: 0, binary: true },
    {
      path: "docs/new.md",
      oldPath: "docs/old.md",
      status: "renamed",
      additions: 0,
      deletions: 0,
      binary: false
    }
  ],
  patch: PATCH,
  truncated: false,
  ...overrides
});

test("tasks diff: the patch alone on stdout; --path asks for one file; --stat a git-like table; --json the document", async () => {
  const fake = await fakeConductor({
    "GET /v1/tasks/task-1/diff": ok(diffDoc()),
    "GET /v1/tasks/task-1/diff?path=hello.txt": ok(diffDoc({ truncated: true })),
    "GET /v1/tasks/task-2/diff": ok(diffDoc({ files: [], patch: "" }))
  });
  try {
    const patch = await runBaa(["tasks", "diff", "task-1"], { base: fake.base });
    assert.equal(patch.code, ExitCode.ok, patch.stderr);
    assert.equal(patch.stdout, PATCH);
    assert.equal(patch.stderr, "");

    const one = await runBaa(["tasks", "diff", "task-1", "--path", "hello.txt"], { base: fake.base });
    assert.equal(one.stdout, PATCH);
    assert.equal(
      one.stderr,
      "the patch is cut at the conductor's size limit; one file at a time: baa tasks diff task-1 --path P\n"
    );

    const stat = await runBaa(["tasks", "diff", "task-1", "--stat"], { base: fake.base });
    assert.equal(
      stat.stdout,
      [
        "baa/task-1 2222222222 against main 1111111111",
        " hello.txt (new)            |   1 +",
        " src/app.ts                 |   5 +++--",
        " logo.png                   | Bin",
        " docs/old.md => docs/new.md |   0",
        " 4 files changed, 4 insertions(+), 2 deletions(-)",
        ""
      ].join("\n")
    );

    const json = await runBaa(["tasks", "diff", "task-1", "--json"], { base: fake.base });
    assert.deepEqual(JSON.parse(json.stdout), diffDoc());

    const empty = await runBaa(["tasks", "diff", "task-2"], { base: fake.base });
    assert.equal(empty.stdout, "");
    assert.equal(empty.stderr, "no changes: baa/task-1 2222222222 against main 1111111111\n");
    assert.deepEqual(
      fake.seen.map((r) => r.url),
      [
        "/v1/tasks/task-1/diff",
        "/v1/tasks/task-1/diff?path=hello.txt",
        "/v1/tasks/task-1/diff",
        "/v1/tasks/task-1/diff",
        "/v1/tasks/task-2/diff"
      ]
    );
  } finally {
    await fake.close();
  }
});

test("tasks diff of a task without a branch: the conductor's code and message, exit 4", async () => {
  const fake = await fakeConductor({
    "GET /v1/tasks/task-9/diff": refused(
      409,
      "task_has_no_branch",
      "task task-9 worked in a shared dir: it has no branch"
    )
  });
  try {
    const result = await runBaa(["tasks", "diff", "task-9"], { base: fake.base });
    assert.equal(result.code, ExitCode.refused);
    assert.equal(
      result.stderr,
      "baa tasks: GET /v1/tasks/task-9/diff: task_has_no_branch: task task-9 worked in a shared dir: it has no branch\n"
    );
    const json = await runBaa(["tasks", "diff", "task-9", "--json"], { base: fake.base });
    assert.equal(JSON.parse(json.stderr).error.code, "task_has_no_branch");
  } finally {
    await fake.close();
  }
});

test("tasks revise: -m or --message becomes {comment}; without one it is a usage error and nothing is sent", async () => {
  const revised = taskDoc({ state: "queued", round: 2, roundInput: "also handle the empty case" });
  const fake = await fakeConductor({
    "POST /v1/tasks/task-1/revise": ok({ task: revised }),
    "POST /v1/tasks/task-3/revise": refused(409, "task_not_revisable", "task task-3 is running")
  });
  try {
    const short = await runBaa(["tasks", "revise", "task-1", "-m", "also handle the empty case"], {
      base: fake.base
    });
    assert.equal(short.code, ExitCode.ok, short.stderr);
    assert.equal(short.stdout, "task task-1 queued for round 2: follow it with baa tasks show task-1\n");
    const long = await runBaa(["tasks", "revise", "task-1", "--message", "again", "--json"], {
      base: fake.base
    });
    assert.deepEqual(JSON.parse(long.stdout), { task: revised });
    assert.deepEqual(
      fake.seen.map((r) => [r.method, r.url, r.body]),
      [
        ["POST", "/v1/tasks/task-1/revise", { comment: "also handle the empty case" }],
        ["POST", "/v1/tasks/task-1/revise", { comment: "again" }]
      ]
    );

    const missing = await runBaa(["tasks", "revise", "task-1"], { base: fake.base });
    assert.equal(missing.code, ExitCode.usage);
    assert.match(missing.stderr, /tasks revise needs a comment: -m TEXT/);
    assert.equal(fake.seen.length, 2, "a usage error sends nothing");

    const wrongState = await runBaa(["tasks", "revise", "task-3", "-m", "x"], { base: fake.base });
    assert.equal(wrongState.code, ExitCode.refused);
    assert.match(wrongState.stderr, /task_not_revisable: task task-3 is running/);
  } finally {
    await fake.close();
  }
});

test("tasks land: the flags become the documented body; the landing is printed", async () => {
  const landedLocal = taskDoc({
    state: "landed",
    landing: {
      method: "squash",
      target: "release",
      commit: "9999999999cccc",
      remote: null,
      pullRequest: null,
      landedAt: "2025-01-01T01:00:00.000Z"
    }
  });
  const landedPr = taskDoc({
    state: "landed",
    landing: {
      method: "merge",
      target: "main",
      commit: "8888888888dddd",
      remote: "origin",
      pullRequest: { number: 7, url: "https://example.test/pr/7" },
      landedAt: "2025-01-01T02:00:00.000Z"
    },
    push: {
      remote: "origin",
      branch: "baa/task-1",
      commit: "8888888888dddd",
      pushedAt: "2025-01-01T02:00:00.000Z"
    }
  });
  const fake = await fakeConductor({
    "POST /v1/tasks/task-1/land": (seen) =>
      ok({ task: (seen.body as { push?: string }).push === undefined ? landedLocal : landedPr })
  });
  try {
    const plain = await runBaa(["tasks", "land", "task-1"], { base: fake.base });
    assert.equal(plain.code, ExitCode.ok, plain.stderr);
    const local = await runBaa(["tasks", "land", "task-1", "--method", "squash", "--target", "release"], {
      base: fake.base
    });
    assert.equal(
      local.stdout,
      "task task-1 landed\nlanded squash into release at 9999999999 (2025-01-01T01:00:00.000Z)\n"
    );
    const pr = await runBaa(
      [
        "tasks",
        "land",
        "task-1",
        "--push",
        "origin",
        "--pr",
        "--pr-title",
        "Add hello",
        "--pr-body",
        "why",
        "--draft"
      ],
      { base: fake.base }
    );
    assert.equal(
      pr.stdout,
      "task task-1 landed\nlanded pushed to origin for main at 8888888888 (2025-01-01T02:00:00.000Z), pull request #7 https://example.test/pr/7\n"
    );
    const pushOnly = await runBaa(["tasks", "land", "task-1", "--push", "origin", "--json"], {
      base: fake.base
    });
    assert.equal(JSON.parse(pushOnly.stdout).task.landing.remote, "origin");
    assert.deepEqual(
      fake.seen.map((r) => r.body),
      [
        {},
        { method: "squash", target: "release" },
        { push: "origin", pullRequest: { title: "Add hello", body: "why", draft: true } },
        { push: "origin" }
      ]
    );
  } finally {
    await fake.close();
  }
});

test("tasks land: a bad method or a pull request without --push is a usage error before any request", async () => {
  const fake = await fakeConductor({});
  try {
    const method = await runBaa(["tasks", "land", "task-1", "--method", "octopus"], { base: fake.base });
    assert.equal(method.code, ExitCode.usage);
    assert.match(method.stderr, /--method must be one of merge, squash, rebase \(got "octopus"\)/);
    const pr = await runBaa(["tasks", "land", "task-1", "--pr"], { base: fake.base });
    assert.equal(pr.code, ExitCode.usage);
    assert.match(pr.stderr, /a pull request needs the branch pushed: add --push REMOTE/);
    const draft = await runBaa(["tasks", "land", "task-1", "--draft"], { base: fake.base });
    assert.equal(draft.code, ExitCode.usage, "--draft implies a pull request");
    assert.equal(fake.seen.length, 0);
  } finally {
    await fake.close();
  }
});

test("tasks land: each refusal keeps the conductor's code; a forge failure is exit 5", async () => {
  const cases: [string, number, string, number][] = [
    ["task-a", 409, "task_not_landable", ExitCode.refused],
    ["task-b", 409, "target_worktree_dirty", ExitCode.refused],
    ["task-c", 409, "land_conflict", ExitCode.refused],
    ["task-d", 409, "land_in_progress", ExitCode.refused],
    ["task-e", 400, "unknown_target", ExitCode.refused],
    ["task-f", 400, "unknown_remote", ExitCode.refused],
    ["task-g", 502, "forge_failed", ExitCode.serverError]
  ];
  const fake = await fakeConductor(
    Object.fromEntries(
      cases.map(([id, status, code]) => [
        `POST /v1/tasks/${id}/land`,
        refused(status, code, `${code} for ${id}`)
      ])
    )
  );
  try {
    for (const [id, , code, exit] of cases) {
      const result = await runBaa(["tasks", "land", id], { base: fake.base });
      assert.equal(result.code, exit, id);
      assert.equal(result.stderr, `baa tasks: POST /v1/tasks/${id}/land: ${code}: ${code} for ${id}\n`);
    }
  } finally {
    await fake.close();
  }
});

test("tasks discard: --reason is sent; the output says the branch is kept", async () => {
  const discarded = taskDoc({
    state: "discarded",
    stateReason: "not needed",
    endedAt: "2025-01-01T03:00:00.000Z"
  });
  const fake = await fakeConductor({
    "POST /v1/tasks/task-1/discard": ok({ task: discarded }),
    "POST /v1/tasks/task-2/discard": refused(409, "task_not_discardable", "task task-2 is landed")
  });
  try {
    const result = await runBaa(["tasks", "discard", "task-1", "--reason", "not needed"], {
      base: fake.base
    });
    assert.equal(result.code, ExitCode.ok, result.stderr);
    assert.equal(result.stdout, "task task-1 discarded (not needed); its branch baa/task-1 is kept\n");
    const bare = await runBaa(["tasks", "discard", "task-1", "--json"], { base: fake.base });
    assert.equal(JSON.parse(bare.stdout).task.state, "discarded");
    assert.deepEqual(
      fake.seen.map((r) => r.body),
      [{ reason: "not needed" }, {}]
    );
    const refusedResult = await runBaa(["tasks", "discard", "task-2"], { base: fake.base });
    assert.equal(refusedResult.code, ExitCode.refused);
    assert.match(refusedResult.stderr, /task_not_discardable: task task-2 is landed/);
  } finally {
    await fake.close();
  }
});

test("each new action needs a task id", async () => {
  for (const action of ["diff", "revise", "land", "discard"]) {
    const result = await runBaa(["tasks", action], { base: "http://127.0.0.1:9" });
    assert.equal(result.code, ExitCode.usage, action);
    assert.match(result.stderr, new RegExp(`tasks ${action} needs a task id`));
  }
});
