import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import test from "node:test";
import { tempDir } from "../support/temp-dir.js";

const STATE_FILES = fileURLToPath(new URL("../../packages/state-files/dist/index.js", import.meta.url));

// A writer that never stops: sync atomic writes and coalesced background writes of a state
// file large enough (~1 MB) that a kill lands in the middle of a write most of the time.
const WRITER = `
import { writeJsonAtomic, JsonStateFile, WriteHealth } from ${JSON.stringify(STATE_FILES)};
const [syncPath, asyncPath] = process.argv.slice(1);
const log = (fields, message) => process.stderr.write(JSON.stringify({ message, ...fields }) + "\\n");
const health = new WriteHealth({ logger: { error: log, warn: log, info: log } });
const background = new JsonStateFile(asyncPath, { delayMs: 0, health });
const blob = "x".repeat(1024);
let i = 0;
process.send?.("ready");
for (;;) {
  i += 1;
  const value = { i, items: Array.from({ length: 1000 }, (_, k) => ({ k, blob })) };
  writeJsonAtomic(syncPath, value);
  background.save(value, { urgent: true });
  await new Promise((r) => setImmediate(r));
}
`;

test("a state file write killed at any point never leaves a file that fails to parse", async (t) => {
  const dir = tempDir("baa-torn-");
  try {
    const rounds = 20;
    let parsedRounds = 0;
    for (let round = 0; round < rounds; round += 1) {
      const syncPath = dir.path("sync.json");
      const asyncPath = dir.path("async.json");
      const child = spawn(process.execPath, ["--input-type=module", "-e", WRITER, syncPath, asyncPath], {
        stdio: ["ignore", "ignore", "pipe", "ipc"]
      });
      let stderr = "";
      child.stderr?.on("data", (c) => (stderr += String(c)));
      await new Promise<void>((resolve, reject) => {
        child.once("message", () => resolve());
        child.once("exit", () => reject(new Error(`writer exited early: ${stderr}`)));
      });
      // Let it write for a varying while, then kill it without warning.
      await new Promise((resolve) => setTimeout(resolve, 20 + ((round * 37) % 150)));
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
      for (const path of [syncPath, asyncPath]) {
        let text: string;
        try {
          text = readFileSync(path, "utf8");
        } catch {
          continue; // killed before the first rename: no file is fine, a torn one is not
        }
        const value = JSON.parse(text) as { i: number; items: unknown[] };
        assert.equal(value.items.length, 1000, `${path} whole in round ${round}`);
        parsedRounds += 1;
      }
    }
    const leftovers = readdirSync(dir.root).filter((name) => name.endsWith(".tmp"));
    t.diagnostic(`${parsedRounds} files parsed after ${rounds} kills; ${leftovers.length} temp files left behind (ignored by readers)`);
    assert.ok(parsedRounds >= rounds, "most rounds produced files to check");
  } finally {
    dir.cleanup();
  }
});
