// Must-show 4 of issue 16: three conductors, each with its own codexd (the real codex binary), on
// one PostgreSQL schema. A worktree task run on one node reads the same through every node (the
// run, its events, its folder's files, the task's diff and live stream); its owner gone, the others
// answer 503 node_unavailable naming it; with BAA_WORK_REMOTE, a revise after that node died runs on
// another node and continues from the first round's commit; a cancel through one node reaches the
// run on another at once (progress polls are a minute apart here, so only the forwarded cancel can).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import type { RecordedRequest, Reply } from "@baa/mock-model";
import { startCluster, type Cluster, type ClusterNode } from "../support/conductor-cluster.js";
import { openEventSocket } from "../support/event-socket.js";
import { eventually, getJson, postJson, request } from "../support/http.js";

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/** The newest `WRITE <file> <text>` of the turn's input becomes a shell command writing it; its output, a closing text. */
function writingModel(r: RecordedRequest): Reply {
  if (r.lastUserText === "HANG") return { kind: "hang" };
  const last = (r.body as { input?: Array<{ type?: string }> }).input?.at(-1);
  if (last?.type === "function_call_output") return { kind: "text", text: "done: written" };
  const writes = [...(r.lastUserText ?? "").matchAll(/WRITE (\S+) ([^\n]+)/g)];
  const found = writes.at(-1);
  if (found === undefined) return { kind: "text", text: "nothing to do" };
  return {
    kind: "tool_call",
    arguments: { cmd: `printf '%s\\n' '${(found[2] as string).replaceAll("'", "")}' >> ${found[1]}` }
  };
}

/** A bare remote with `main`, and the clone tasks work in (what every node of a real cluster has at this path). */
function sharedRepository(cluster: Cluster): { remote: string; repo: string; reclone(): void } {
  const remote = cluster.dir.path("remote.git");
  const repo = cluster.dir.path("work", "repo");
  git(cluster.dir.root, "init", "-q", "--bare", "-b", "main", remote);
  const clone = () => {
    git(cluster.dir.root, "clone", "-q", remote, repo);
    git(repo, "config", "user.email", "t@example.com");
    git(repo, "config", "user.name", "t");
  };
  clone();
  writeFileSync(join(repo, "README.md"), "base\n");
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "base");
  git(repo, "push", "-q", "origin", "main");
  // Another machine's clone at the same path: none of this one's local branches or worktrees.
  const reclone = () => {
    rmSync(repo, { recursive: true, force: true });
    clone();
  };
  return { remote, repo, reclone };
}

const via = (node: ClusterNode, path: string) => `${node.conductor.base}${path}`;
const raw = async (node: ClusterNode, path: string) => {
  const response = await fetch(via(node, path));
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
};

async function waitTask(
  node: ClusterNode,
  taskId: string,
  done: (task: any) => boolean,
  what: string
): Promise<any> {
  return eventually(
    async () => {
      const task = (await getJson(via(node, `/v1/tasks/${taskId}`))).body?.data?.task;
      if (task !== undefined && ["failed", "cancelled", "timed_out"].includes(task.state))
        throw new Error(`task ${taskId} ended ${task.state}: ${task.stateReason}`);
      return task !== undefined && done(task) ? task : null;
    },
    what,
    120_000
  );
}

/** Every route of the run answers the same through every node: node-a's answer, passed through. */
async function readsTheSameEverywhere(
  cluster: Cluster,
  nodes: readonly [ClusterNode, ClusterNode, ClusterNode],
  run: { taskId: string; runId: string; commit: string },
  remote: string
): Promise<void> {
  const { taskId, runId } = run;
  const [a, b, c] = nodes;
  const paths = [
    `/v1/runs/${runId}`,
    `/v1/runs/${runId}/events`,
    `/v1/runs/${runId}/events?type=run.ended`,
    `/v1/runs/${runId}/files/meta.json`,
    `/v1/runs/${runId}/files/events.jsonl`,
    `/v1/runs/${runId}/files/final-message.md`,
    `/v1/runs/${runId}/files/diff.patch`,
    `/v1/tasks/${taskId}/diff`,
    `/v1/tasks/${taskId}/diff?format=patch`,
    `/v1/tasks/${taskId}/landing-options`
  ];
  for (const path of paths) {
    const [fromA, fromB, fromC] = await Promise.all([raw(a, path), raw(b, path), raw(c, path)]);
    // A turn that ends on the tool call's output may leave no final message: the same 404 everywhere then.
    if (!path.endsWith("final-message.md"))
      assert.equal(fromA.status, 200, `${path} on node-a: ${fromA.text}`);
    assert.deepEqual(fromB, fromA, `${path} through node-b`);
    assert.deepEqual(fromC, fromA, `${path} through node-c`);
  }
  const meta = JSON.parse((await raw(c, `/v1/runs/${runId}/files/meta.json`)).text);
  assert.equal(meta.owner, "node-a");
  assert.equal(meta.commit, run.commit);
  assert.match((await raw(b, `/v1/runs/${runId}/files/diff.patch`)).text, /\+round one/);
  const read = (await getJson(via(c, `/v1/runs/${runId}`))).body.data;
  assert.equal(read.run.folder, cluster.dir.path("node-a", "runs", runId), "node-a's folder, as node-a says");
  assert.ok(read.events.some((e: any) => e.type === "run.ended"));
  const pushed = (await getJson(via(b, `/v1/runs/${runId}/events?type=run.branch_pushed`))).body.data.events;
  assert.equal(pushed.length, 1);
  assert.deepEqual(
    { remote: pushed[0].data.remote, branch: pushed[0].data.branch, commit: pushed[0].data.commit },
    { remote: "origin", branch: `baa/${taskId}`, commit: run.commit }
  );
  assert.equal(git(remote, "rev-parse", `baa/${taskId}`), run.commit, "round 1 is on the shared remote");
  const missing = await request("GET", via(b, `/v1/runs/${runId}/files/checks.json`));
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, "file_not_found");
  assert.match(missing.body.error.message, /has no checks\.json/, "node-a's own answer, passed through");
}

/** The owner dies (conductor and codexd): the others say who has the answer, never a wrong one. */
async function ownerDownIsUnavailable(
  owner: ClusterNode,
  others: ClusterNode[],
  { taskId, runId }: { taskId: string; runId: string }
): Promise<void> {
  const [b, c] = others as [ClusterNode, ClusterNode];
  await owner.conductor.kill("SIGKILL");
  await owner.codexd.kill("SIGKILL");
  for (const node of [b, c]) {
    for (const path of [
      `/v1/runs/${runId}/events`,
      `/v1/runs/${runId}/files/diff.patch`,
      `/v1/tasks/${taskId}/diff`
    ]) {
      const refused = await request("GET", via(node, path));
      assert.equal(refused.status, 503, `${path} through ${node.nodeId}: ${refused.text}`);
      assert.equal(refused.body.error.code, "node_unavailable");
      assert.match(refused.body.error.message, /node node-a/);
    }
  }
  const down = await eventually(
    async () => {
      const refused = await request("GET", via(b, `/v1/runs/${runId}`));
      return /which is down \(last seen /.test(refused.body?.error?.message ?? "") ? refused : null;
    },
    "node-a seen down",
    30_000
  );
  assert.equal(down.status, 503);
  assert.match(down.body.error.message, new RegExp(`^run ${runId} is owned by node node-a, which is down`));
  // What the store holds still answers anywhere.
  assert.equal((await getJson(via(c, `/v1/tasks/${taskId}`))).body.data.task.state, "in_review");
}

/** A cancel made through the node that does not run the task reaches the one that does, within a second. */
async function cancelThroughAnotherNode(cluster: Cluster, live: ClusterNode[], repo: string) {
  const [b, c] = live as [ClusterNode, ClusterNode];
  const hung = await cluster.createTask(b, {
    title: "hang",
    prompt: "HANG",
    cwd: repo,
    workspace: "shared",
    approvalPolicy: "never"
  });
  const running = await eventually(async () => {
    const [r] = (await getJson(via(b, `/v1/tasks/${hung}/runs`))).body.data.runs;
    return r?.state === "running" && r.turnId !== null ? r : null;
  }, "the hanging task running");
  const other = running.owner === "node-b" ? c : b;
  const asked = Date.now();
  const cancelled = await postJson(via(other, `/v1/tasks/${hung}/cancel`), { reason: "stop it" });
  assert.equal(cancelled.status, 202, cancelled.text);
  const [stopping] = await eventually(
    async () => {
      const events =
        (await getJson(via(other, `/v1/runs/${running.runId}/events?type=run.stop_requested`))).body?.data
          ?.events ?? [];
      return events.length > 0 ? events : null;
    },
    "the owner stopping the run",
    10_000
  );
  // When the owner recorded it (same machine, same clock), not when this poll saw it.
  const reachedMs = Date.parse(stopping.at) - asked;
  assert.ok(reachedMs < 1_000, `the cancel reached ${running.owner} after ${reachedMs} ms`);
  await waitTask(other, hung, (t) => t.state === "cancelled", "cancelled").catch(async (error) => {
    const t = (await getJson(via(other, `/v1/tasks/${hung}`))).body.data.task;
    if (t.state !== "cancelled") throw error;
  });
  return { other, running, reachedMs };
}

/** The task's live stream through node-c is node-a's, replayed from the start. */
async function streamRelayedFromOwner(a: ClusterNode, c: ClusterNode, taskId: string, runId: string) {
  const socket = await openEventSocket(
    `${c.conductor.base.replace(/^http/, "ws")}/v1/tasks/${taskId}/events?after=0`
  );
  const ended = await socket.waitFor((e) => e.type === "run.ended", "run.ended relayed from node-a");
  const onA = (await getJson(via(a, `/v1/runs/${runId}/events?type=run.ended`))).body.data.events[0];
  assert.deepEqual(ended, onA);
  socket.close();
}

/** Work survives: with a clone lacking node-a's branch and worktree, the revise runs on another node. */
async function reviseRunsElsewhere(live: ClusterNode[], remote: string, taskId: string, run1: any) {
  const [b, c] = live as [ClusterNode, ClusterNode];
  const runId = run1.runId as string;
  const revised = await postJson(via(b, `/v1/tasks/${taskId}/revise`), {
    comment: "WRITE two.txt round two"
  });
  assert.equal(revised.status, 200, revised.text);
  const task = await waitTask(
    b,
    taskId,
    (t) => t.state === "in_review" && t.round === 2,
    "round 2 in review"
  );
  assert.equal(task.round, 2);
  const runs = (await getJson(via(c, `/v1/tasks/${taskId}/runs`))).body.data.runs as any[];
  const run2 = runs.find((r) => r.round === 2 && r.state === "succeeded");
  assert.ok(run2 !== undefined, JSON.stringify(runs));
  assert.ok(["node-b", "node-c"].includes(run2.owner), run2.owner);
  const branch = `baa/${taskId}`;
  assert.equal(git(remote, "rev-parse", branch), run2.commit, "round 2 pushed");
  assert.equal(git(remote, "rev-parse", `${branch}~1`), run1.commit, "round 2 sits on round 1");
  const trailers = git(remote, "log", "--format=%(trailers:key=Baa-Run,valueonly)", `main..${branch}`)
    .split("\n")
    .filter((line) => line !== "");
  assert.deepEqual(trailers, [run2.runId, runId]);
  assert.deepEqual(git(remote, "ls-tree", "--name-only", branch).split("\n").sort(), [
    "README.md",
    "one.txt",
    "two.txt"
  ]);
  // The task's review follows its worktree to the new owner, through either live node.
  const diffs = await Promise.all([b, c].map((node) => raw(node, `/v1/tasks/${taskId}/diff`)));
  assert.equal(diffs[0]?.status, 200, diffs[0]?.text);
  assert.deepEqual(diffs[1], diffs[0]);
  const diff = JSON.parse(diffs[0]?.text ?? "{}").data;
  assert.deepEqual(diff.files.map((f: any) => f.path).sort(), ["one.txt", "two.txt"]);
  assert.deepEqual(diff.base, { branch: "main", commit: git(remote, "rev-parse", "main") });
  return run2;
}

test("every route of a run answers the same through every node; its owner down is 503 node_unavailable; its work survives it", {
  timeout: 480_000
}, async () => {
  const cluster = await startCluster({
    leaseTtlMs: 3_000,
    env: { BAA_WORK_REMOTE: "origin", BAA_RUN_LEASE_TTL_MS: "8000", BAA_RUN_PROGRESS_MS: "60000" }
  });
  cluster.model.setDefaultReply(writingModel);
  try {
    const { remote, repo, reclone } = sharedRepository(cluster);
    const a = await cluster.addNode("node-a", "primary");
    const taskId = await cluster.createTask(a, {
      title: "Round one",
      prompt: "WRITE one.txt round one",
      cwd: repo,
      approvalPolicy: "never",
      sandbox: "workspace-write"
    });
    await waitTask(a, taskId, (t) => t.state === "in_review", "round 1 in review on node-a");
    const b = await cluster.addNode("node-b", "standby");
    const c = await cluster.addNode("node-c", "standby");
    const nodes = [a, b, c] as const;
    await eventually(async () => {
      const rows = await cluster.schema.query<{ node_id: string; address: string | null }>(
        "select node_id, address from nodes where address is not null"
      );
      return rows.length === 3 ? rows : null;
    }, "three nodes registered with their addresses");

    // On a loaded machine a run may have been abandoned and run again: the one that did the work.
    const run1 = ((await getJson(via(b, `/v1/tasks/${taskId}/runs`))).body.data.runs as any[]).find(
      (r) => r.state === "succeeded"
    );
    assert.equal(run1.owner, "node-a");
    assert.equal(run1.workspace.kind, "worktree");
    const runId = run1.runId as string;
    await readsTheSameEverywhere(cluster, nodes, { taskId, runId, commit: run1.commit }, remote);

    // The task's live stream through node-c is node-a's, replayed from the start.
    await streamRelayedFromOwner(a, c, taskId, runId);

    await ownerDownIsUnavailable(a, [b, c], { taskId, runId });

    // Work survives: a clone without node-a's branch or worktree; the revise runs on another node.
    reclone();
    const run2 = await reviseRunsElsewhere([b, c], remote, taskId, run1);

    const { other, running, reachedMs } = await cancelThroughAnotherNode(cluster, [b, c], repo);
    console.log(
      `any-node: run ${runId} read the same through 3 nodes; node-a down → 503; round 2 ran on ${run2.owner} from the remote's branch; a cancel through ${other.nodeId} reached ${running.owner} in ${reachedMs} ms`
    );
  } finally {
    await cluster.stop();
  }
});
