import assert from "node:assert/strict";
import { join } from "node:path";
import test from "node:test";
import { StoreUnavailableError, type ControlStore } from "@baa/control-store";
import { tempDir } from "@baa/test-support";
import { ConductorRuntime } from "../src/runtime.js";

test("a start whose store cannot be migrated fails, closes the store, and leaves nothing listening", async (t) => {
  const dir = tempDir(t);
  let closed = 0;
  const store = {
    kind: "postgres",
    migrate: async () =>
      Promise.reject(new StoreUnavailableError("migrate: the control store failed (ECONNREFUSED)")),
    close: async () => {
      closed += 1;
    }
  } as unknown as ControlStore;
  const runtime = new ConductorRuntime(
    {
      localApiBase: "http://127.0.0.1:0",
      repoRoot: dir.root,
      paths: { stateDir: join(dir.root, "state") },
      sharedToken: "s".repeat(40)
    },
    { store, autoStartLoops: true }
  );
  await assert.rejects(runtime.start(), StoreUnavailableError);
  assert.equal(closed, 1, "the store was closed");
  assert.equal(runtime.getSnapshot().state, "stopped");
  await runtime.stop();
  assert.equal(closed, 1, "closed once");
});
