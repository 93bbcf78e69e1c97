import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";

import { resolveCodexBinary } from "@baa/codex-binary";

import {
  AppServerExitedError,
  JsonRpcError,
  createStdioAppServerClient,
  type AppServerEvent
} from "../src/index.js";

/** A model that answers every `POST /v1/responses` with one assistant message "pong". */
async function startPongModel(): Promise<{
  url: string;
  requests: () => number;
  close: () => Promise<void>;
}> {
  let requests = 0;
  const message = (text: string) => ({
    type: "message",
    role: "assistant",
    id: "m1",
    content: [{ type: "output_text", text }]
  });
  const events: Array<Record<string, unknown>> = [
    { type: "response.created", response: { id: "r1" } },
    { type: "response.output_item.added", output_index: 0, item: message("") },
    { type: "response.output_text.delta", item_id: "m1", output_index: 0, content_index: 0, delta: "pong" },
    { type: "response.output_item.done", output_index: 0, item: message("pong") },
    {
      type: "response.completed",
      response: {
        id: "r1",
        usage: {
          input_tokens: 1,
          output_tokens: 1,
          total_tokens: 2,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens_details: { reasoning_tokens: 0 }
        }
      }
    }
  ];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/responses") {
        res.writeHead(404).end();
        return;
      }
      requests += 1;
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      for (const event of events) {
        res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`);
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}

/** Resolves with the first event `match` accepts; records every event it sees in `seen`. */
function waitForEvent(
  client: { events: { subscribe(l: (e: AppServerEvent) => void): { unsubscribe(): void } } },
  match: (event: AppServerEvent) => boolean,
  seen: AppServerEvent[] = []
): Promise<AppServerEvent> {
  return new Promise((resolve) => {
    const subscription = client.events.subscribe((event) => {
      seen.push(event);
      if (match(event)) {
        subscription.unsubscribe();
        resolve(event);
      }
    });
  });
}

function spawnAppServer(modelUrl: string, codexHome: string) {
  return spawn(
    resolveCodexBinary().executable,
    [
      "app-server",
      "-c",
      `model_providers.mock={name="mock",base_url="${modelUrl}",wire_api="responses"}`,
      "-c",
      'model_provider="mock"',
      "-c",
      'model="mock-model"'
    ],
    { env: { ...process.env, CODEX_HOME: codexHome }, stdio: ["pipe", "pipe", "pipe"] }
  );
}

test("talks to the real codex app-server through a turn, a bad steer and a kill", async () => {
  const model = await startPongModel();
  const codexHome = await mkdtemp(join(tmpdir(), "asc-e2e-home-"));
  const workDir = await mkdtemp(join(tmpdir(), "asc-e2e-cwd-"));
  const child = spawnAppServer(model.url, codexHome);
  const protocolErrors: string[] = [];
  const client = createStdioAppServerClient({
    child,
    requestTimeoutMs: 20_000,
    onProtocolError: (error, line) => protocolErrors.push(`${error.message} ${line ?? ""}`)
  });
  try {
    const init = await client.initialize();
    assert.equal(typeof init.userAgent, "string");

    const started = await client.threadStart({ cwd: workDir, approvalPolicy: "never", sandbox: "read-only" });
    const threadId = started.thread.id;
    assert.equal(typeof threadId, "string");

    const seen: AppServerEvent[] = [];
    const completed = waitForEvent(
      client,
      (event) => event.notificationMethod === "turn/completed" && event.threadId === threadId,
      seen
    );
    const turn = await client.turnStart({
      threadId,
      input: [{ type: "text", text: "ping", text_elements: [] }]
    });
    assert.equal(turn.turn.status, "inProgress");

    const done = await completed;
    assert.equal((done.turn as { id: string; status: string }).status, "completed");
    assert.equal((done.turn as { id: string }).id, turn.turn.id);
    assert.equal(done.type, "turn.completed");
    const agentMessages = seen.filter(
      (event) =>
        event.notificationMethod === "item/completed" &&
        (event.item as { type?: string }).type === "agentMessage"
    );
    assert.deepEqual(
      agentMessages.map((event) => (event.item as { text?: string }).text),
      ["pong"]
    );
    assert.ok(model.requests() >= 1);

    // No turn is running now, and the id is wrong anyway: app-server must refuse the steer.
    await assert.rejects(
      client.turnSteer({
        threadId,
        expectedTurnId: "no-such-turn",
        input: [{ type: "text", text: "steer", text_elements: [] }]
      }),
      (error: unknown) => {
        assert.ok(error instanceof JsonRpcError);
        assert.equal(error.code, -32600);
        assert.equal(error.method, "turn/steer");
        return true;
      }
    );

    // A request outstanding when the child dies must fail at once, not at its timeout.
    const pending = client.threadStart({ cwd: workDir, approvalPolicy: "never", sandbox: "read-only" });
    child.kill("SIGKILL");
    await assert.rejects(pending, (error: unknown) => {
      assert.ok(error instanceof AppServerExitedError);
      // stdout closes before the exit event; the client waits briefly for it to learn the signal.
      assert.equal(error.signal, "SIGKILL");
      return true;
    });
    await assert.rejects(client.turnInterrupt({ threadId, turnId: turn.turn.id }), AppServerExitedError);
    await client.close();
    assert.equal(client.exit?.signal, "SIGKILL");
    assert.deepEqual(protocolErrors, []);
  } finally {
    child.kill("SIGKILL");
    await model.close();
    await rm(codexHome, { recursive: true, force: true });
    await rm(workDir, { recursive: true, force: true });
  }
});

test("close() stops a live app-server by ending its stdin, without signals", async () => {
  const model = await startPongModel();
  const codexHome = await mkdtemp(join(tmpdir(), "asc-e2e-home-"));
  const child = spawnAppServer(model.url, codexHome);
  const signals: string[] = [];
  const kill = child.kill.bind(child);
  child.kill = (signal?: NodeJS.Signals | number) => {
    signals.push(String(signal));
    return kill(signal);
  };
  const client = createStdioAppServerClient({ child, closeGraceMs: 10_000 });
  try {
    await client.initialize();
    await client.close();
    assert.deepEqual(client.exit, { code: 0, signal: null });
    assert.deepEqual(signals, []);
  } finally {
    child.kill("SIGKILL");
    await model.close();
    await rm(codexHome, { recursive: true, force: true });
  }
});
