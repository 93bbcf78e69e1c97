// `baa tasks land ID --queue` and `baa queues` against a fake conductor.
import assert from "node:assert/strict";
import test from "node:test";
import { ExitCode } from "../src/index.js";
import { fakeConductor, ok, refused, runBaa } from "./fake-conductor.js";
import { taskDoc } from "./task-fixtures.js";

const QUEUE = { repo: "/src/app", target: "main", method: "rebase", queuedAt: "2026-01-01T00:00:00.000Z" };

test("tasks land --queue posts queue:true with the method and target; refusals keep their code", async () => {
  const fake = await fakeConductor({
    "POST /v1/tasks/task-1/land": (seen) => ({
      status: 202,
      body: {
        ok: true,
        data: {
          task: taskDoc({ landQueue: { ...QUEUE, target: String((seen.body as any).target ?? "main") } })
        }
      }
    }),
    "POST /v1/tasks/task-2/land": refused(409, "already_queued", "task task-2 is queued already")
  });
  try {
    const queued = await runBaa(["tasks", "land", "task-1", "--queue", "--target", "dev"], {
      base: fake.base
    });
    assert.equal(queued.code, ExitCode.ok, queued.stderr);
    assert.equal(queued.stdout, "task task-1 queued to land on dev by rebase; see baa queues\n");
    assert.deepEqual(fake.seen.at(-1)?.body, { queue: true, target: "dev" });

    const json = await runBaa(["tasks", "land", "task-1", "--queue", "--method", "squash", "--json"], {
      base: fake.base
    });
    assert.equal(JSON.parse(json.stdout).task.landQueue.repo, "/src/app");
    assert.deepEqual(fake.seen.at(-1)?.body, { queue: true, method: "squash" });

    const twice = await runBaa(["tasks", "land", "task-2", "--queue"], { base: fake.base });
    assert.equal(twice.code, ExitCode.refused);
    assert.match(twice.stderr, /already_queued/);

    const push = await runBaa(["tasks", "land", "task-1", "--queue", "--push", "origin"], {
      base: fake.base
    });
    assert.equal(push.code, ExitCode.usage);
  } finally {
    await fake.close();
  }
});

test("queues: each queue in order with the entry landing and the lock's holder; --json the document", async () => {
  const queues = [
    {
      repo: "/src/app",
      target: "main",
      landing: "task-1",
      lockHolder: "node-a",
      entries: [
        {
          taskId: "task-1",
          title: "First",
          position: 1,
          queuedAt: QUEUE.queuedAt,
          state: "landing",
          method: "rebase"
        },
        {
          taskId: "task-2",
          title: "Second",
          position: 2,
          queuedAt: QUEUE.queuedAt,
          state: "in_review",
          method: "merge"
        }
      ]
    }
  ];
  const fake = await fakeConductor({ "GET /v1/queues": ok({ queues }) });
  try {
    const human = await runBaa(["queues"], { base: fake.base });
    assert.equal(human.code, ExitCode.ok, human.stderr);
    assert.equal(
      human.stdout,
      [
        "/src/app -> main  landing task-1  (lock: node-a)",
        "#  TASK    STATE      METHOD  TITLE",
        "1  task-1  landing    rebase  First",
        "2  task-2  in_review  merge   Second",
        ""
      ].join("\n")
    );
    assert.deepEqual(JSON.parse((await runBaa(["queues", "--json"], { base: fake.base })).stdout), {
      queues
    });
  } finally {
    await fake.close();
  }
});
