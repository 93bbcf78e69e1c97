// Must-show 4 of the checks issue: approved tasks land through a queue that re-checks each on
// the target's moving tip; a conflict goes back to its thread; two nodes never land at once.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { startCluster } from "../support/conductor-cluster.js";
import { eventually, getJson, request } from "../support/http.js";
import { makeGitRepo, startTaskStack, type TaskStack } from "../support/task-stack.js";
import { fileWritingModel, git, repoSnapshot } from "./git-helpers.js";

const WORKER = { approvalPolicy: "never", sandbox: "workspace-write" };

/** Commits `.baa/config.json` with `checks` and a `base.txt` the checks look for. */
function commitChecks(repo: string, checks: Array<{ name: string; run: string }>): void {
  mkdirSync(join(repo, ".baa"), { recursive: true });
  writeFileSync(join(repo, ".baa", "config.json"), JSON.stringify({ checks }, null, 2));
  writeFileSync(join(repo, "base.txt"), "base\n");
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "checks");
}

/** Runs `command` only in a land's temporary worktree (`.land-*`), not in a task's own worktree. */
const inLandWorktree = (command: string) => `case "$PWD" in *.land-*) ${command} ;; esac`;

/** Queues every task to land on main; queueing one twice is a 409, and a queued land cannot push. */
async function queueAll(conductorBase: string, ids: string[]): Promise<void> {
  for (const id of ids) {
    const queued = await request("POST", `${conductorBase}/v1/tasks/${id}/land`, { queue: true });
    assert.equal(queued.status, 202, queued.text);
    assert.equal(queued.body.data.task.landQueue.target, "main");
    assert.equal(queued.body.data.task.landQueue.method, "rebase");
  }
  const twice = await request("POST", `${conductorBase}/v1/tasks/${ids[1]}/land`, { queue: true });
  assert.equal(twice.status, 409);
  assert.equal(twice.body.error.code, "already_queued");
  const withPush = await request("POST", `${conductorBase}/v1/tasks/${ids[1]}/land`, {
    queue: true,
    push: "origin"
  });
  assert.equal(withPush.status, 400);
}

/** Three tasks, two of them writing shared.txt, all waiting in review. */
async function threeTasksInReview(stack: TaskStack, repo: string): Promise<[string, string, string]> {
  const prompts = ["WRITE shared.txt one", "WRITE two.txt two", "WRITE shared.txt three"];
  const ids: string[] = [];
  for (const [i, prompt] of prompts.entries()) {
    const created = await stack.createTask({ ...WORKER, title: `task ${i + 1}`, prompt, cwd: repo });
    assert.equal(created.status, 201, created.text);
    ids.push(created.body.data.task.taskId);
  }
  for (const id of ids)
    assert.equal(
      (await stack.waitTask(id, (t) => t.state === "in_review" || t.state === "failed", "in review")).state,
      "in_review"
    );
  return ids as [string, string, string];
}

/** The forecast: the first and the third changed shared.txt, on both sides; the second nothing shared. */
async function phaseForecast(
  stack: TaskStack,
  [first, second, third]: [string, string, string]
): Promise<void> {
  await stack.waitTask(first, (t) => t.overlaps.length === 1, "overlap on the first");
  assert.deepEqual((await stack.task(first)).overlaps, [{ taskId: third, paths: ["shared.txt"] }]);
  assert.deepEqual((await stack.task(third)).overlaps, [{ taskId: first, paths: ["shared.txt"] }]);
  assert.deepEqual((await stack.task(second)).overlaps, []);
}

interface QueueContext {
  stack: TaskStack;
  repo: string;
  ids: [string, string, string];
  /** main's tip before anything was queued. */
  mainBefore: string;
  /** Where the `tip` check records the commit each land was rebuilt on. */
  tipLog: string;
  /** The file the first land's checks wait for. */
  gate: string;
}

/** The first is being landed (its checks wait on the gate): the queue shows the order and the lock. */
async function phaseFirstLanding({ stack, repo, ids, mainBefore, gate }: QueueContext): Promise<void> {
  const [first, second, third] = ids;
  const view = await eventually(async () => {
    const queues = (await getJson(`${stack.conductorBase}/v1/queues`)).body.data.queues;
    return queues[0]?.landing === first ? queues : null;
  }, "the first landing");
  assert.equal(view.length, 1);
  assert.equal(view[0].target, "main");
  assert.equal(view[0].lockHolder, "e2e-node", "this node holds the lock");
  assert.deepEqual(
    view[0].entries.map((e: any) => [e.taskId, e.position, e.state]),
    [
      [first, 1, "landing"],
      [second, 2, "in_review"],
      [third, 3, "in_review"]
    ]
  );
  assert.equal(git(repo, "rev-parse", "main").trim(), mainBefore, "nothing moves before the checks pass");
  writeFileSync(gate, "");
}

/** The first two land in queue order, linear, each checked on the tip the one before it left. */
async function phaseTwoLandInOrder({ stack, repo, ids, mainBefore, tipLog }: QueueContext): Promise<void> {
  const [first, second] = ids;
  assert.equal(
    (await stack.waitTask(first, (t) => t.state !== "landing" && t.state !== "in_review", "landed")).state,
    "landed"
  );
  const secondDone = await stack.waitTask(
    second,
    (t) => t.state !== "landing" && t.state !== "in_review",
    "landed"
  );
  assert.equal(secondDone.state, "landed");
  const mainAfterFirst = git(repo, "rev-parse", "main~1").trim();
  assert.equal(secondDone.landing.commit, git(repo, "rev-parse", "main").trim());
  assert.equal(
    git(repo, "log", "--format=%s", `${mainBefore}..main`).trim(),
    "task 2\ntask 1",
    "linear: the two in queue order"
  );
  assert.equal(git(repo, "rev-list", "--merges", "--count", `${mainBefore}..main`).trim(), "0");
  // Each was checked on the tip the one before it left: the second on the first's land.
  assert.deepEqual(readFileSync(tipLog, "utf8").trim().split("\n"), [mainBefore, mainAfterFirst]);
}

/** The third conflicts on shared.txt: out of the queue, revised on its thread, main untouched by it. */
async function phaseThirdSentBack({ stack, repo, ids }: QueueContext): Promise<void> {
  const third = ids[2];
  const mainAfter = git(repo, "rev-parse", "main").trim();
  const sentBack = await stack.waitTask(third, (t) => t.round === 2, "sent back");
  assert.equal(sentBack.landQueue, null);
  const revision = await eventually(
    async () => stack.model.requests.find((r) => /conflicts with main/.test(r.lastUserText ?? "")) ?? null,
    "the revise turn"
  );
  assert.match(revision.lastUserText ?? "", /- shared\.txt/);
  assert.ok(
    revision.userTexts.includes("WRITE shared.txt three"),
    "the same thread: the first prompt is in the request"
  );
  const back = await stack.waitTask(
    third,
    (t) => t.state === "in_review" || t.state === "failed",
    "in review again"
  );
  assert.equal(back.state, "in_review");
  assert.equal(back.round, 2);
  assert.equal(git(repo, "rev-parse", "main").trim(), mainAfter);
  assert.equal(git(repo, "show", "main:shared.txt"), "one\n");
  // The first landed: no overlap is forecast with it any more.
  await stack.waitTask(third, (t) => t.overlaps.length === 0, "overlap with a landed task dropped");
  assert.deepEqual((await getJson(`${stack.conductorBase}/v1/queues`)).body.data.queues, []);
  assert.equal(existsSync(join(repo, "shared.txt")), true, "the person's clean checkout of main moved along");
}

test("three queued tasks: two land in order, re-checked on the moving tip; the third conflicts and goes back to its thread", async () => {
  const stack = await startTaskStack();
  stack.model.setDefaultReply(fileWritingModel);
  try {
    const repo = makeGitRepo(stack.dir.path("project"));
    const tipLog = stack.dir.path("tips.log");
    const gate = stack.dir.path("gate");
    commitChecks(repo, [
      { name: "clean", run: "test -f base.txt && ! grep -q BAD *.txt" },
      // Records the commit the land was rebuilt on; the first land waits for the test's gate.
      {
        name: "tip",
        run: inLandWorktree(`git rev-parse HEAD^ >> ${tipLog}; while [ ! -f ${gate} ]; do sleep 0.05; done`)
      }
    ]);
    const ids = await threeTasksInReview(stack, repo);
    await phaseForecast(stack, ids);

    const mainBefore = git(repo, "rev-parse", "main").trim();
    await queueAll(stack.conductorBase, ids);

    const ctx: QueueContext = { stack, repo, ids, mainBefore, tipLog, gate };
    await phaseFirstLanding(ctx);
    await phaseTwoLandInOrder(ctx);
    await phaseThirdSentBack(ctx);
  } finally {
    await stack.stop();
  }
});

test("two conductors on one PostgreSQL never land on one target at once", { timeout: 300_000 }, async () => {
  const cluster = await startCluster({ leaseTtlMs: 5_000, env: { BAA_MAX_CONCURRENT_TASKS: "4" } });
  cluster.model.setDefaultReply(fileWritingModel);
  try {
    const a = await cluster.addNode("node-a", "primary");
    const b = await cluster.addNode("node-b", "standby");
    const repo = makeGitRepo(cluster.dir.path("project"));
    const lockDir = cluster.dir.path("land-lock");
    const landLog = cluster.dir.path("lands.log");
    // Fails when another land holds the lock; holds it a moment so an overlap could not hide.
    commitChecks(repo, [
      {
        name: "exclusive",
        run: inLandWorktree(
          `mkdir ${lockDir} || { echo "another land holds the lock"; exit 1; }; echo "$PWD" >> ${landLog}; sleep 0.3; rmdir ${lockDir}`
        )
      }
    ]);
    const nodes = [a, b];
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push(
        await cluster.createTask(nodes[i % 2]!, {
          ...WORKER,
          title: `part ${i}`,
          prompt: `WRITE part-${i}.txt ${i}`,
          cwd: repo
        })
      );
    }
    const taskOn = async (id: string) => (await getJson(`${a.conductor.base}/v1/tasks/${id}`)).body.data.task;
    for (const id of ids) {
      const task = await eventually(
        async () => {
          const t = await taskOn(id);
          return t.state === "in_review" || t.state === "failed" ? t : null;
        },
        `${id} in review`,
        120_000
      );
      assert.equal(task.state, "in_review", JSON.stringify(task));
    }
    // Queued through both nodes at once: both processors race for the target's lock.
    const queued = await Promise.all(
      ids.map((id, i) =>
        request("POST", `${nodes[i % 2]!.conductor.base}/v1/tasks/${id}/land`, { queue: true })
      )
    );
    for (const answer of queued) assert.equal(answer.status, 202, answer.text);
    const holders = new Set<string>();
    for (const id of ids) {
      const task = await eventually(
        async () => {
          const queues = (await getJson(`${b.conductor.base}/v1/queues`)).body.data.queues;
          for (const queue of queues) if (queue.lockHolder !== null) holders.add(queue.lockHolder);
          const t = await taskOn(id);
          return t.state === "landed" || t.landQueue === null ? t : null;
        },
        `${id} landed`,
        120_000
      );
      assert.equal(task.state, "landed", `${id}: ${JSON.stringify(task)}`);
    }
    const lands = readFileSync(landLog, "utf8").trim().split("\n");
    assert.equal(
      lands.length,
      ids.length,
      "each task checked once: no land refused for a held lock, none retried"
    );
    for (let i = 0; i < ids.length; i++) assert.equal(git(repo, "show", `main:part-${i}.txt`), `${i}\n`);
    assert.equal(git(repo, "rev-list", "--count", "main").trim(), String(2 + ids.length));
    assert.ok([...holders].every((holder) => holder === "node-a" || holder === "node-b"));
    console.log(
      `lock holders seen: ${[...holders].join(", ")}; lands by node: ${["node-a", "node-b"].map((n) => `${n}=${lands.filter((l) => l.includes(`/${n}/`)).length}`).join(" ")}`
    );
    assert.equal(repoSnapshot(repo).includes(".land-"), false);
  } finally {
    await cluster.stop();
  }
});
