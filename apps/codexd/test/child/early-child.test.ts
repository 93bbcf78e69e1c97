import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import test from "node:test";
import type { ChildLike } from "@baa/app-server-client";
import { spawnEarly } from "../../src/child/early-child.js";
import type { SpawnOptions, Spawner } from "../../src/child/spawner.js";

class FakeChild extends EventEmitter {
  readonly killed: string[] = [];
  stdin = null;
  stdout = null;
  stderr = null;
  constructor(readonly pid: number) {
    super();
  }
  kill(signal?: NodeJS.Signals): boolean {
    this.killed.push(signal ?? "SIGTERM");
    return true;
  }
}

function fakeSpawner() {
  const children: FakeChild[] = [];
  const spawner: Spawner = {
    spawn() {
      const child = new FakeChild(100 + children.length);
      children.push(child);
      return child as unknown as ChildLike;
    }
  };
  return { spawner, children };
}

const options: SpawnOptions = { cwd: "/work", env: { CODEX_HOME: "/home/codex", PATH: "/bin" } };

test("the same spawn takes over the early child, and hears again what it did meanwhile, once", async () => {
  const { spawner, children } = fakeSpawner();
  const early = spawnEarly("codex", ["app-server"], options, spawner);
  assert.equal(children.length, 1);
  children[0]?.emit("spawn");

  const taken = early.spawn("codex", ["app-server"], {
    cwd: "/work",
    env: { ...options.env }
  }) as unknown as FakeChild;
  assert.equal(taken, children[0]);
  const heard: string[] = [];
  taken.on("spawn", () => heard.push("spawn"));
  taken.on("exit", (code) => heard.push(`exit ${code}`));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(heard, ["spawn"]);
  taken.emit("exit", 0, null);
  assert.deepEqual(heard, ["spawn", "exit 0"]);

  // Only the first call gets it; a restart spawns afresh, and discard leaves the taken child alone.
  const again = early.spawn("codex", ["app-server"], options) as unknown as FakeChild;
  assert.notEqual(again, taken);
  assert.equal(children.length, 2);
  early.discard();
  assert.deepEqual(taken.killed, []);
});

test("a spawn with other arguments, cwd or environment kills the early child and spawns its own", () => {
  for (const [command, args, opts] of [
    ["codex", ["app-server", "--x"], options],
    ["codex", ["app-server"], { ...options, cwd: "/elsewhere" }],
    ["codex", ["app-server"], { ...options, env: { ...options.env, EXTRA: "1" } }],
    ["other", ["app-server"], options]
  ] as const) {
    const { spawner, children } = fakeSpawner();
    const early = spawnEarly("codex", ["app-server"], options, spawner);
    const child = early.spawn(command, args, opts);
    assert.equal(children.length, 2);
    assert.equal(child, children[1]);
    assert.deepEqual(children[0]?.killed, ["SIGKILL"]);
  }
});

test("an early child nobody took is killed by discard; an early spawn that threw is simply tried again", () => {
  const { spawner, children } = fakeSpawner();
  const early = spawnEarly("codex", ["app-server"], options, spawner);
  early.discard();
  assert.deepEqual(children[0]?.killed, ["SIGKILL"]);

  let calls = 0;
  const throwingOnce: Spawner = {
    spawn() {
      calls += 1;
      if (calls === 1) throw new Error("EAGAIN");
      return new FakeChild(7) as unknown as ChildLike;
    }
  };
  const retried = spawnEarly("codex", ["app-server"], options, throwingOnce);
  assert.equal((retried.spawn("codex", ["app-server"], options) as unknown as FakeChild).pid, 7);
  assert.equal(calls, 2);
});
