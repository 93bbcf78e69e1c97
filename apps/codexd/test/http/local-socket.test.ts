import assert from "node:assert/strict";
import { existsSync, statSync, writeFileSync, mkdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { spawn } from "node:child_process";
import { once } from "node:events";
import test from "node:test";
import { tempDir } from "@baa/test-support";
import WebSocket from "ws";
import pino from "pino";
import { listenOnLocalSocket } from "../../src/http/local-socket.js";
import { startFakeCodexd } from "../support/start-fake-codexd.js";

function getOverSocket(
  socketPath: string,
  path: string,
  host: string
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, headers: { host } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("codexd serves its API on codexd.sock in the state dir too: owner only, guarded, WebSocket included, removed at stop", async (t) => {
  const codexd = await startFakeCodexd();
  t.after(() => codexd.stop());
  const status = codexd.service.getStatus();
  const socketPath = codexd.ws.path("state", "codexd.sock");
  assert.equal(status.service.localSocketPath, socketPath);
  assert.equal(statSync(socketPath).mode & 0o777, 0o600);

  const host = new URL(codexd.base).host;
  const answer = await getOverSocket(socketPath, "/v1/codexd/status", host);
  assert.equal(answer.status, 200);
  assert.equal(JSON.parse(answer.body).data.service.localSocketPath, socketPath);
  // The browser guard applies as over TCP: a Host that is not codexd's is refused.
  const foreign = await getOverSocket(socketPath, "/v1/codexd/status", "evil.example:80");
  assert.equal(foreign.status, 421);
  assert.equal(JSON.parse(foreign.body).error.code, "host_not_allowed");

  const ws = new WebSocket(`ws+unix:${socketPath}:/v1/codexd/events?after=0`, { headers: { host } });
  const first = await new Promise<{ seq: number; type: string }>((resolve, reject) => {
    ws.once("message", (raw) => resolve(JSON.parse(String(raw))));
    ws.once("error", reject);
  });
  assert.equal(first.seq, 1);
  ws.close();

  await codexd.service.stop();
  assert.equal(existsSync(socketPath), false);
});

test("a stale socket file is replaced; a path holding something else or too long leaves codexd on TCP only", async (t) => {
  const ws = tempDir(t, "codexd-test-");
  const logger = pino({ level: "silent" });
  const http = (await import("node:http")).createServer((_req, res) => res.end("ok"));

  // A socket file left by a codexd that was killed: its listener died without removing it.
  const stale = ws.path("stale.sock");
  const holder = spawn(
    process.execPath,
    ["-e", "require('node:net').createServer().listen(process.argv[1], () => console.log('up'))", stale],
    {
      stdio: ["ignore", "pipe", "inherit"]
    }
  );
  await once(holder.stdout, "data");
  holder.kill("SIGKILL");
  await once(holder, "exit");
  assert.ok(existsSync(stale));
  const replaced = await listenOnLocalSocket(http, stale, logger);
  assert.ok(replaced !== null);
  assert.equal((await getOverSocket(stale, "/", "x")).body, "ok");
  await replaced.close();
  assert.equal(existsSync(stale), false);

  const occupied = ws.path("occupied.sock");
  writeFileSync(occupied, "not a socket");
  assert.equal(await listenOnLocalSocket(http, occupied, logger), null);
  assert.equal(readFileSync(occupied, "utf8"), "not a socket");

  const deep = ws.path("d".repeat(120));
  mkdirSync(deep);
  assert.equal(await listenOnLocalSocket(http, `${deep}/codexd.sock`, logger), null);
});
