// `baa nodes`, `baa nodes drain|resume ID` against a fake conductor.
import assert from "node:assert/strict";
import test from "node:test";
import { ExitCode } from "../src/index.js";
import { fakeConductor, ok, refused, runBaa } from "./fake-conductor.js";

const NODE = {
  nodeId: "node-a",
  address: "http://10.0.0.1:4317",
  labels: ["gpu", "macos"],
  capacity: 2,
  running: 1,
  version: "0.1.0",
  executes: true,
  lastSeenAt: "2026-01-01T00:00:00.000Z",
  state: "up"
};

test("nodes: a table of every node (state, running/capacity, labels, address); --json the document", async () => {
  const nodes = [
    NODE,
    { ...NODE, nodeId: "node-b", labels: [], executes: false, state: "down", address: null }
  ];
  const fake = await fakeConductor({ "GET /v1/system/nodes": ok({ nodes }) });
  try {
    const shown = await runBaa(["nodes"], { base: fake.base });
    assert.equal(shown.code, ExitCode.ok, shown.stderr);
    const lines = shown.stdout.trim().split("\n");
    assert.match(lines[0]!, /^NODE\s+STATE\s+RUNNING\s+LABELS\s+ADDRESS/);
    assert.match(lines[1]!, /^node-a\s+up\s+1\/2\s+gpu,macos\s+http:\/\/10\.0\.0\.1:4317/);
    assert.match(lines[2]!, /^node-b\s+down\s+api only\s+-\s+-/);
    const json = await runBaa(["nodes", "--json"], { base: fake.base });
    assert.deepEqual(JSON.parse(json.stdout).nodes, nodes);
  } finally {
    await fake.close();
  }
});

test("nodes drain|resume ID posts to the node's route; an unknown node is refused with its code", async () => {
  const fake = await fakeConductor({
    "POST /v1/system/nodes/node-a/drain": ok({ node: { ...NODE, state: "draining" } }),
    "POST /v1/system/nodes/node-a/resume": ok({ node: NODE }),
    "POST /v1/system/nodes/nope/drain": refused(
      404,
      "node_not_found",
      "no node nope has ever sent a heartbeat"
    )
  });
  try {
    const drained = await runBaa(["nodes", "drain", "node-a"], { base: fake.base });
    assert.equal(drained.code, ExitCode.ok, drained.stderr);
    assert.equal(drained.stdout, "node-a: claims nothing new; its runs finish (draining)\n");
    const resumed = await runBaa(["nodes", "resume", "node-a"], { base: fake.base });
    assert.equal(resumed.stdout, "node-a: claims again (up)\n");
    const unknown = await runBaa(["nodes", "drain", "nope"], { base: fake.base });
    assert.equal(unknown.code, ExitCode.refused);
    assert.match(unknown.stderr, /node_not_found/);
    assert.equal((await runBaa(["nodes", "drain"], { base: fake.base })).code, ExitCode.usage);
    assert.equal((await runBaa(["nodes", "stop", "node-a"], { base: fake.base })).code, ExitCode.usage);
  } finally {
    await fake.close();
  }
});
