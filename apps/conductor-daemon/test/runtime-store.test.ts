import assert from "node:assert/strict";
import { join } from "node:path";
import test from "node:test";
import { StoreUnavailableError, type ControlStore } from "@baa/control-store";
import { ConductorRuntime } from "../src/runtime.js";
import { makeTempDir } from "./helpers/temp-dir.js";

test("a start whose store cannot be migrated fails, closes the store, and leaves nothing listening", async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  let closed = 0;
  const store = {
    kind: "postgres",
    migrate: async () => Promise.reject(new StoreUnavailableError("migrate: the control store failed (ECONNREFUSED)")),
    close: async () => {
      closed += 1;
    }
  } as unknown as ControlStore;
  const runtime = new ConductorRuntime(
    { localApiBase: "http://127.0.0.1:0", repoRoot: dir.path, paths: { stateDir: join(dir.path, "state") }, sharedToken: "s".repeat(40) },
    { store, autoStartLoops: true }
  );
  await assert.rejects(runtime.start(), StoreUnavailableError);
  assert.equal(closed, 1, "the store was closed");
  assert.equal(runtime.getSnapshot().state, "stopped");
  await runtime.stop();
  assert.equal(closed, 1, "closed once");
});
