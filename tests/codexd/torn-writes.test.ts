import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";

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
for (;;) {
  i += 1;
  const value = { i, items: Array.from({ length: 1000 }, (_, k) => ({ k, blob })) };
  writeJsonAtomic(syncPath, value);
  // Ready once the first sync write is whole: every round then has at least one file to check,
  // however slowly a loaded machine starts the writer.
  if (i === 1) process.send?.("ready");
  background.save(value, { urgent: true });
  await new Promise((r) => setImmediate(r));
}
`;

/** One round: start a writer, let it write for `writeMs`, SIGKILL it; returns how many files parsed whole. */
async function killedRound(
  syncPath: string,
  asyncPath: string,
  writeMs: number,
  round: number
): Promise<number> {
  const child = spawn(process.execPath, ["--input-type=module", "-e", WRITER, syncPath, asyncPath], {
    stdio: ["ignore", "ignore", "pipe", "ipc"]
  });
  let stderr = "";
  child.stderr?.on("data", (c) => (stderr += String(c)));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", () => reject(new Error(`writer exited early: ${stderr}`)));
  });
  // Let it write for a varying while, then kill it without warning.
  await new Promise((resolve) => setTimeout(resolve, writeMs));
  child.kill("SIGKILL");
  await exited;
  let parsed = 0;
  for (const path of [syncPath, asyncPath]) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      continue; // the background writer killed before its first rename: no file is fine, a torn one is not
    }
    const value = JSON.parse(text) as { i: number; items: unknown[] };
    assert.equal(value.items.length, 1000, `${path} whole in round ${round}`);
    parsed += 1;
  }
  return parsed;
}

test("a state file write killed at any point never leaves a file that fails to parse", async (t) => {
  const dir = makeTempDir("baa-torn-");
  try {
    const rounds = 20;
    // Rounds run a few at a time, each on its own files (a writer mostly waits to start).
    const atOnce = 4;
    let parsedRounds = 0;
    for (let first = 0; first < rounds; first += atOnce) {
      const batch = Array.from({ length: Math.min(atOnce, rounds - first) }, (_, k) => first + k);
      const parsed = await Promise.all(
        batch.map((round) =>
          killedRound(
            dir.path(`sync-${round}.json`),
            dir.path(`async-${round}.json`),
            20 + ((round * 37) % 150),
            round
          )
        )
      );
      parsedRounds += parsed.reduce((sum, n) => sum + n, 0);
    }
    const leftovers = readdirSync(dir.root).filter((name) => name.endsWith(".tmp"));
    t.diagnostic(
      `${parsedRounds} files parsed after ${rounds} kills; ${leftovers.length} temp files left behind (ignored by readers)`
    );
    assert.ok(parsedRounds >= rounds, "every round left at least its sync file to check");
  } finally {
    dir.remove();
  }
});
