// runCli against a loopback fake of the conductor's API (node:http): argument handling, output
// modes and exit codes, without the real stack (tests/cli/cli.e2e.test.ts has that).
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import test from "node:test";
import { listenOnZero } from "@baa/test-support";
import { ExitCode, runCli } from "../src/index.js";

function collector() {
  let text = "";
  return { writer: { write: (chunk: string) => (text += chunk) }, text: () => text };
}

async function fakeConductor(
  routes: Record<string, { status: number; body: unknown }>
): Promise<{ base: string; server: Server; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((request, response) => {
    const key = `${request.method} ${request.url}`;
    seen.push(`${key} ${request.headers.authorization ?? ""}`.trim());
    const route = routes[key] ?? {
      status: 404,
      body: { ok: false, error: { code: "route_not_found", message: `no route for ${key}` } }
    };
    response.writeHead(route.status, { "content-type": "application/json" }).end(JSON.stringify(route.body));
  });
  return { base: `http://127.0.0.1:${await listenOnZero(server)}`, server, seen };
}

async function run(argv: string[], env: Record<string, string> = {}) {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli({
    argv,
    env,
    stdout: stdout.writer,
    stderr: stderr.writer,
    now: () => 0,
    sleep: async () => {}
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

test("no command or an unknown one: usage on stderr, exit 2; help: exit 0", async () => {
  assert.equal((await run([])).code, ExitCode.usage);
  const unknown = await run(["frobnicate"]);
  assert.equal(unknown.code, ExitCode.usage);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  const help = await run(["help"]);
  assert.equal(help.code, ExitCode.ok);
  assert.match(help.stdout, /exit codes: 0 ok/);
  assert.equal((await run(["tasks", "--bogus"])).code, ExitCode.usage);
});

test("tasks list: a table for people, the page as JSON for scripts; the token is sent", async () => {
  const page = {
    tasks: [{ taskId: "task-1", state: "queued", priority: 5, runCount: 0, maxAttempts: 3, title: "first" }],
    nextCursor: "c2"
  };
  const fake = await fakeConductor({
    "GET /v1/tasks?state=queued": { status: 200, body: { ok: true, data: page } }
  });
  try {
    const human = await run(["tasks", "list", "--state", "queued", "--base-url", fake.base], {
      BAA_SHARED_TOKEN: "t0k"
    });
    assert.equal(human.code, ExitCode.ok, human.stderr);
    assert.equal(
      human.stdout,
      "TASK    STATE   PRIO  RUNS  TITLE\ntask-1  queued  5     0     first\nmore: baa tasks list --cursor c2\n"
    );
    assert.equal(fake.seen[0], "GET /v1/tasks?state=queued Bearer t0k");
    const json = await run(["tasks", "list", "--state", "queued", "--json", "--base-url", fake.base]);
    assert.deepEqual(JSON.parse(json.stdout), page);
  } finally {
    fake.server.close();
  }
});

test("API errors map to exit codes and name the API's code; --json puts the error on stderr as JSON", async () => {
  const fake = await fakeConductor({
    "GET /v1/tasks/task-x": {
      status: 404,
      body: { ok: false, error: { code: "task_not_found", message: "no task task-x" } }
    },
    "POST /v1/system/pause": {
      status: 503,
      body: { ok: false, error: { code: "store_unavailable", message: "the store is down" } }
    },
    "GET /v1/codex/sessions": {
      status: 401,
      body: { ok: false, error: { code: "unauthorized", message: "missing or invalid bearer token" } }
    }
  });
  try {
    const missing = await run(["tasks", "show", "task-x", "--base-url", fake.base]);
    assert.equal(missing.code, ExitCode.refused);
    assert.equal(missing.stderr, "baa tasks: GET /v1/tasks/task-x: task_not_found: no task task-x\n");
    const down = await run(["pause", "--json", "--base-url", fake.base]);
    assert.equal(down.code, ExitCode.serverError);
    assert.deepEqual(JSON.parse(down.stderr).error, {
      code: "store_unavailable",
      message: "POST /v1/system/pause: store_unavailable: the store is down",
      exitCode: 5
    });
    const denied = await run(["sessions", "--base-url", fake.base], { BAA_SHARED_TOKEN: "secret-value" });
    assert.equal(denied.code, ExitCode.refused);
    assert.match(denied.stderr, /unauthorized: .*set BAA_SHARED_TOKEN or --token-file/);
    assert.doesNotMatch(denied.stderr, /secret-value/, "the token never appears in output");
  } finally {
    fake.server.close();
  }
});

test("an answer that is not the API envelope is a server error, not a crash", async () => {
  const fake = await fakeConductor({
    "GET /v1/codex/approvals?status=pending": { status: 200, body: ["not", "an", "envelope"] }
  });
  try {
    const result = await run(["approvals", "--base-url", fake.base]);
    assert.equal(result.code, ExitCode.serverError);
    assert.match(result.stderr, /not the API's \{ok, data\} envelope/);
  } finally {
    fake.server.close();
  }
});
