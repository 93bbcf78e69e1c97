import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, test } from "node:test";
import WebSocket from "ws";
import { openEventSocket } from "../support/event-socket.js";
import { E2E_TOKEN, startRealStack, type RealStack } from "../support/real-stack.js";

// Issue 7, must-show 1: what a web page (or a same-host proxy) can send, replayed against the
// real services: codexd running the real `codex app-server` with the mock model, and the
// conductor in front of it. Each attack is refused with its code on both; plain clients work.

const ATTACKER = "http://attacker.example";
let stack: RealStack;
let services: { name: "codexd" | "conductor"; base: string; port: number; prefix: string }[];

before(async () => {
  stack = await startRealStack();
  services = [
    {
      name: "codexd",
      base: stack.codexdBase,
      port: Number(new URL(stack.codexdBase).port),
      prefix: "/v1/codexd"
    },
    {
      name: "conductor",
      base: stack.conductorBase,
      port: Number(new URL(stack.conductorBase).port),
      prefix: "/v1/codex"
    }
  ];
});
after(() => stack?.stop());

/** node:http, because fetch will not send a Host header of our choosing. */
function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown
) {
  const url = new URL(path, base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<{ status: number; body: any; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        headers: { ...(payload === undefined ? {} : { "content-type": "application/json" }), ...headers }
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: text === "" ? null : JSON.parse(text),
            headers: response.headers
          })
        );
      }
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** Opens a WebSocket that must be refused; resolves to the refusal's status and code. */
async function refusedUpgrade(
  url: string,
  headers: Record<string, string>
): Promise<{ status: number; code: string }> {
  const socket = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    socket.on("open", () => {
      socket.terminate();
      reject(new Error(`${url} opened for ${JSON.stringify(headers)}`));
    });
    socket.on("error", () => {});
    socket.on("unexpected-response", (_request, response) => {
      let text = "";
      response.on("data", (chunk: Buffer) => (text += chunk));
      response.on("end", () => {
        socket.terminate();
        resolve({ status: response.statusCode ?? 0, code: JSON.parse(text).error.code });
      });
    });
  });
}

const sessionCount = async (): Promise<number> =>
  (await send(stack.codexdBase, "GET", "/v1/codexd/sessions")).body.data.sessions.length;

test("DNS rebinding: Host attacker.example:PORT is refused 421 host_not_allowed on both services", async () => {
  for (const { name, base, port, prefix } of services) {
    const host = `attacker.example:${port}`;
    const read = await send(base, "GET", `${prefix}/sessions`, { host });
    assert.equal(read.status, 421, name);
    assert.equal(read.body.error.code, "host_not_allowed", name);
    // After rebinding the page is same-origin: its POST carries Origin == Host.
    const write = await send(
      base,
      "POST",
      `${prefix}/sessions`,
      { host, origin: `http://${host}` },
      { purpose: "rebound" }
    );
    assert.equal(write.status, 421, name);
    assert.equal(write.body.error.code, "host_not_allowed", name);
  }
  assert.equal(await sessionCount(), 0);
});

test("a foreign-Origin WebSocket on /v1/codexd/events and /v1/codex/events is refused 403 origin_not_allowed", async () => {
  for (const { name, base, prefix } of services) {
    const url = `${base.replace(/^http/, "ws")}${prefix}/events`;
    assert.deepEqual(
      await refusedUpgrade(url, { origin: ATTACKER }),
      { status: 403, code: "origin_not_allowed" },
      name
    );
    assert.deepEqual(
      await refusedUpgrade(url, { origin: "null" }),
      { status: 403, code: "origin_not_allowed" },
      name
    );
  }
});

test("a foreign-Origin POST of a session is refused 403 origin_not_allowed and creates nothing", async () => {
  for (const { name, base, prefix } of services) {
    const created = await send(
      base,
      "POST",
      `${prefix}/sessions`,
      { origin: ATTACKER },
      { cwd: stack.dir.path("repo"), purpose: "csrf" }
    );
    assert.equal(created.status, 403, name);
    assert.equal(created.body.error.code, "origin_not_allowed", name);
    assert.equal(created.headers["access-control-allow-origin"], undefined, `${name}: no CORS headers`);
  }
  assert.equal(await sessionCount(), 0, "no session was created");
  assert.equal(stack.model.requests.length, 0, "the model was never asked");
});

test("X-Forwarded-For from loopback without the token: codexd 403 forwarded_request_refused, conductor 401", async () => {
  const proxied = { "x-forwarded-for": "203.0.113.9" };
  const codexd = await send(stack.codexdBase, "GET", "/v1/codexd/sessions", proxied);
  assert.equal(codexd.status, 403);
  assert.equal(codexd.body.error.code, "forwarded_request_refused");
  const conductor = await send(stack.conductorBase, "GET", "/v1/codex/sessions", proxied);
  assert.equal(conductor.status, 401);
  assert.equal(conductor.body.error.code, "unauthorized");
  const upgrade = await refusedUpgrade(`${stack.conductorBase.replace(/^http/, "ws")}/v1/codex/events`, {
    forwarded: "for=203.0.113.9"
  });
  assert.deepEqual(upgrade, { status: 401, code: "unauthorized" });
  const withToken = await send(stack.conductorBase, "GET", "/v1/codex/sessions", {
    ...proxied,
    authorization: `Bearer ${E2E_TOKEN}`
  });
  assert.equal(withToken.status, 200, "the token is what a proxied peer needs");
});

test("the valid token passes the conductor with a foreign Host; a wrong one does not", async () => {
  const host = `mini.tailnet.ts.net:${services[1]!.port}`;
  const ok = await send(stack.conductorBase, "GET", "/v1/codex/sessions", {
    host,
    authorization: `Bearer ${E2E_TOKEN}`
  });
  assert.equal(ok.status, 200);
  const wrong = await send(stack.conductorBase, "GET", "/v1/codex/sessions", {
    host,
    authorization: `Bearer ${"x".repeat(36)}`
  });
  assert.equal(wrong.status, 421);
});

test("no Origin, the node's own origin and Host: localhost:<port> still work, through a real turn", async () => {
  for (const { name, base, port, prefix } of services) {
    const headerSets: Record<string, string>[] = [
      {},
      { host: `localhost:${port}` },
      { origin: base },
      { host: `localhost:${port}`, origin: `http://localhost:${port}` }
    ];
    for (const headers of headerSets) {
      const read = await send(base, "GET", `${prefix}/sessions`, headers);
      assert.equal(read.status, 200, `${name} ${JSON.stringify(headers)}`);
    }
  }

  // A page served by the conductor itself: own origin on the WebSocket, the session and the turn.
  const base = stack.conductorBase;
  const own = { origin: base, host: `localhost:${services[1]!.port}` };
  const socket = await openEventSocket(`${base.replace(/^http/, "ws")}/v1/codex/events`);
  try {
    stack.model.enqueue({ kind: "text", text: "Still served." });
    const created = await send(base, "POST", "/v1/codex/sessions", own, {
      cwd: stack.dir.path("repo"),
      purpose: "own-origin"
    });
    assert.equal(created.status, 201);
    const sessionId = created.body.data.session.sessionId;
    const turn = await send(base, "POST", "/v1/codex/turn", own, { sessionId, input: "are you there?" });
    assert.equal(turn.status, 202);
    const done = await socket.waitFor(
      (e) => e.type === "app-server.turn.completed" && e.sessionId === sessionId,
      "turn completed"
    );
    assert.equal(done.turnId, turn.body.data.turnId);
    const read = await send(stack.codexdBase, "GET", `/v1/codexd/sessions/${sessionId}`, {
      origin: stack.codexdBase
    });
    assert.equal(read.body.data.session.lastAgentMessage, "Still served.");
  } finally {
    socket.close();
  }

  // codexd's own event stream with its own origin opens.
  const direct = new WebSocket(`${stack.codexdBase.replace(/^http/, "ws")}/v1/codexd/events`, {
    origin: stack.codexdBase
  });
  await new Promise<void>((resolve, reject) => {
    direct.once("open", () => resolve());
    direct.once("error", reject);
  });
  direct.close();
});
