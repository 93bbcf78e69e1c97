import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { join } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { makeTempDir } from "@baa/test-support";

// `pnpm start` at a terminal, then Ctrl-C: the terminal sends SIGINT to the whole foreground
// process group. codexd must see that as one signal and stop gracefully, not as two.

const root = fileURLToPath(new URL("../..", import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

/** Resolves with the text seen so far once `pattern` appears in it. */
function waitForText(
  stream: NodeJS.ReadableStream,
  pattern: RegExp,
  seen: { text: string }
): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (pattern.test(seen.text)) {
        stream.off("data", onData);
        resolve(seen.text);
      }
    };
    const onData = (chunk: Buffer) => {
      seen.text += chunk.toString("utf8");
      check();
    };
    stream.on("data", onData);
    stream.once("end", () =>
      pattern.test(seen.text)
        ? resolve(seen.text)
        : reject(new Error(`stream ended before ${pattern}: ${seen.text}`))
    );
    check();
  });
}

test("Ctrl-C on start-node stops codexd gracefully with one signal", async () => {
  const dir = makeTempDir("baa-start-node-");
  const port = await freePort();
  // Its own process group, as a terminal's foreground job is.
  const child = spawn(
    process.execPath,
    [join(root, "scripts/start-node.mjs"), "--demo", "--only", "codexd"],
    {
      cwd: root,
      env: {
        ...process.env,
        BAA_REPO_ROOT: dir.path("repo"),
        BAA_CODEXD_LOCAL_API_BASE: `http://127.0.0.1:${port}`,
        BAA_CODEXD_LOG_LEVEL: "info"
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true
    }
  );
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const out = { text: "" };
  const err = { text: "" };
  child.stdout.on("data", (chunk: Buffer) => {
    out.text += chunk.toString("utf8");
  });
  try {
    await waitForText(child.stderr, /\[start\] ready/, err);
    // What the terminal does on Ctrl-C: SIGINT to every process of the foreground group.
    process.kill(-(child.pid as number), "SIGINT");
    const [code] = await exited;
    assert.equal(code, 0, `start-node exit code; stderr: ${err.text}`);
    const lines = out.text
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { msg: string; signal?: string; service?: string });
    const codexd = lines.filter((line) => line.service === "codexd");
    assert.deepEqual(
      codexd.filter((line) => /signal/.test(line.msg)).map((line) => [line.msg, line.signal]),
      [["signal received: stopping", "SIGTERM"]],
      "exactly one signal reached codexd"
    );
    assert.ok(
      codexd.some((line) => line.msg === "codexd stopped"),
      "codexd stopped gracefully"
    );
  } finally {
    if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), "SIGKILL");
    dir.remove();
  }
});
