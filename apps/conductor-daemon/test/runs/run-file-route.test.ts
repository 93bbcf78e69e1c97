import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { installErrorHandling } from "@baa/api-errors";
import type { RunRecord } from "@baa/control-store";
import { tempDir } from "@baa/test-support";
import { fastify, type FastifyInstance } from "fastify";
import { registerRunFileRoute } from "../../src/runs/run-file-route.js";

async function setup(t: test.TestContext) {
  const dir = tempDir(t, "run-files-");
  const folder = join(dir.root, "run-1");
  mkdirSync(folder);
  writeFileSync(join(folder, "meta.json"), '{"runId":"run-1"}');
  writeFileSync(join(folder, "events.jsonl"), '{"seq":1}\n{"seq":2}\n');
  writeFileSync(join(folder, "secret.txt"), "no");
  const runs = [
    { runId: "run-1", owner: "node-a" },
    { runId: "run-2", owner: "node-b" }
  ] as RunRecord[];
  const app = fastify() as unknown as FastifyInstance;
  installErrorHandling(app);
  registerRunFileRoute(app, {
    store: { getRun: async (runId) => runs.find((run) => run.runId === runId) },
    runFolder: (run) => (run.owner === "node-a" ? join(dir.root, run.runId) : null)
  });
  await app.ready();
  t.after(() => app.close());
  return async (url: string) => {
    const res = await app.inject({ method: "GET", url });
    return { status: res.statusCode, type: res.headers["content-type"], text: res.body };
  };
}

test("a run folder's files are served with their type; only the allow-list, never another name", async (t) => {
  const get = await setup(t);
  const meta = await get("/v1/runs/run-1/files/meta.json");
  assert.equal(meta.status, 200);
  assert.match(String(meta.type), /^application\/json/);
  assert.deepEqual(JSON.parse(meta.text), { runId: "run-1" });
  const events = await get("/v1/runs/run-1/files/events.jsonl");
  assert.match(String(events.type), /^application\/x-ndjson/);
  assert.equal(events.text, '{"seq":1}\n{"seq":2}\n');
  for (const name of ["secret.txt", "..%2Fsecret.txt", "diff.patch"]) {
    const refused = await get(`/v1/runs/run-1/files/${name}`);
    assert.equal(refused.status, 404, name);
    assert.equal(JSON.parse(refused.text).error.code, "file_not_found", name);
  }
  assert.match(
    JSON.parse((await get("/v1/runs/run-1/files/diff.patch")).text).error.message,
    /has no diff\.patch/
  );
});

test("an unknown run is run_not_found; one whose folder is on another node is file_not_found naming it", async (t) => {
  const get = await setup(t);
  assert.equal(JSON.parse((await get("/v1/runs/run-9/files/meta.json")).text).error.code, "run_not_found");
  const elsewhere = JSON.parse((await get("/v1/runs/run-2/files/meta.json")).text);
  assert.equal(elsewhere.error.code, "file_not_found");
  assert.match(elsewhere.error.message, /ran on node node-b/);
});
