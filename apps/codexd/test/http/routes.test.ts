import assert from "node:assert/strict";
import test from "node:test";
import type { InjectOptions } from "fastify";
import pino from "pino";
import type { CodexdEvent, EventFilter } from "@baa/event-log";
import { resolveCodexdConfig } from "../../src/config.js";
import { codexdError } from "../../src/errors.js";
import { createCodexdApp } from "../../src/http/app.js";
import type { CodexdApi } from "../../src/http/codexd-api.js";
import type { Approval } from "../../src/approvals/approval.js";
import { newSession, type CodexdSession } from "../../src/sessions/session.js";
import type { CodexdStatus } from "../../src/state/status.js";

// codexd's routes over a fake CodexdApi, through `inject`: no socket, no child, no state files.

function fakeApi() {
  const sessions = new Map<string, CodexdSession>();
  const calls: { op: string; args: unknown[] }[] = [];
  const approval: Approval = {
    approvalId: "approval-1",
    kind: "commandExecution",
    method: "item/commandExecution/requestApproval",
    requestId: 7,
    sessionId: "session-1",
    threadId: "thread-1",
    turnId: "turn-1",
    itemId: "item-1",
    details: { command: "ls" },
    status: "pending",
    response: null,
    createdAt: "2026-01-01T00:00:00.000Z",
    expiresAt: "2026-01-01T00:05:00.000Z",
    settledAt: null,
    settledReason: null
  };
  const event: CodexdEvent = {
    seq: 1,
    type: "session.created",
    at: "2026-01-01T00:00:00.000Z",
    sessionId: "session-1",
    threadId: "thread-1",
    turnId: null,
    data: null
  } as CodexdEvent;
  let settledCalls = 0;
  const get = (id: string) => {
    const session = sessions.get(id);
    if (session === undefined) throw codexdError("session_not_found", `no session ${id}`);
    return session;
  };
  const api: CodexdApi = {
    events: {
      subscribe: () => () => {},
      lastSeq: 1,
      query: async (filter: EventFilter) => {
        calls.push({ op: "query", args: [filter] });
        return { events: [event], nextAfter: null, lastSeq: 1 };
      }
    },
    approvals: {
      list: (filter) => (calls.push({ op: "approvals.list", args: [filter] }), [approval]),
      get: (id) => (id === approval.approvalId ? approval : undefined),
      answer: async (id, response) => {
        if (approval.status !== "pending")
          throw codexdError("approval_gone", `approval ${id} is ${approval.status}`);
        approval.status = "answered";
        approval.response = response;
        return approval;
      }
    },
    operations: {
      createSession: async (input) => {
        calls.push({ op: "createSession", args: [input] });
        const session = newSession({
          sessionId: "session-1",
          threadId: "thread-1",
          purpose: input.purpose ?? "duplex",
          cwd: input.cwd ?? "/work",
          model: null,
          modelProvider: null,
          approvalPolicy: input.approvalPolicy ?? "never",
          sandbox: input.sandbox ?? null,
          at: "2026-01-01T00:00:00.000Z"
        });
        sessions.set(session.sessionId, session);
        return session;
      },
      getSession: get,
      startTurn: async (id, input) => (
        calls.push({ op: "startTurn", args: [id, input] }), { turnId: "turn-1", session: get(id) }
      ),
      steerTurn: async (id, input) => (
        calls.push({ op: "steerTurn", args: [id, input] }), { turnId: "turn-1" }
      ),
      interruptTurn: async (id, turnId) => {
        calls.push({ op: "interruptTurn", args: [id, turnId] });
        throw codexdError("no_turn_in_progress", `session ${id} has no running turn`);
      },
      closeSession: async (id) => ({ ...get(id), status: "closed" as const })
    },
    listSessions: () => [...sessions.values()],
    recentSessionEvents: (id) => (id === "session-1" ? [event] : []),
    stateSettled: async () => {
      settledCalls += 1;
    },
    getStatus: () =>
      ({
        service: { name: "codexd" },
        snapshot: { daemon: { child: { status: "running" } } }
      }) as unknown as CodexdStatus,
    restartChild: async () => true
  };
  return { api, calls, approval, settled: () => settledCalls };
}

function appWith(api: CodexdApi, env: Record<string, string> = {}) {
  // Port 80: inject's default Host is localhost:80, which the browser guard then accepts.
  const config = resolveCodexdConfig({
    env,
    repoRoot: "/nonexistent-repo",
    localApiBase: "http://127.0.0.1:80"
  });
  return createCodexdApp({ api, config, logger: pino({ level: "silent" }) });
}

test("session and turn routes call the core and answer in the envelope", async () => {
  const fake = fakeApi();
  const app = appWith(fake.api);
  try {
    const created = await app.inject({
      method: "POST",
      url: "/v1/codexd/sessions",
      payload: { purpose: "review", sandbox: "read-only" }
    });
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().data.session.sessionId, "session-1");
    assert.deepEqual(fake.calls.at(-1), {
      op: "createSession",
      args: [{ purpose: "review", sandbox: "read-only" }]
    });

    const empty = await app.inject({
      method: "POST",
      url: "/v1/codexd/sessions",
      headers: { "content-type": "application/json" }
    });
    assert.equal(empty.statusCode, 201, "an empty JSON body is no body");

    const list = await app.inject({ method: "GET", url: "/v1/codexd/sessions" });
    assert.equal(list.json().data.sessions.length, 1);
    const read = await app.inject({ method: "GET", url: "/v1/codexd/sessions/session-1" });
    assert.deepEqual(
      read.json().data.recentEvents.map((e: CodexdEvent) => e.seq),
      [1]
    );
    assert.ok(fake.settled() >= 2, "reads wait for the state files");

    const turn = await app.inject({
      method: "POST",
      url: "/v1/codexd/turn",
      payload: { sessionId: "session-1", input: "hi" }
    });
    assert.equal(turn.statusCode, 202);
    assert.deepEqual(turn.json(), {
      ok: true,
      data: { accepted: true, turnId: "turn-1", sessionId: "session-1" }
    });
    const steer = await app.inject({
      method: "POST",
      url: "/v1/codexd/turn/steer",
      payload: { sessionId: "session-1", input: [{ type: "text", text: "more" }] }
    });
    assert.equal(steer.statusCode, 202);
    assert.deepEqual(fake.calls.at(-1), {
      op: "steerTurn",
      args: ["session-1", [{ type: "text", text: "more", text_elements: [] }]]
    });

    const interrupt = await app.inject({
      method: "POST",
      url: "/v1/codexd/turn/interrupt",
      payload: { sessionId: "session-1" }
    });
    assert.equal(interrupt.statusCode, 409);
    assert.equal(interrupt.json().error.code, "no_turn_in_progress");
    const closed = await app.inject({ method: "POST", url: "/v1/codexd/sessions/session-1/close" });
    assert.equal(closed.json().data.session.status, "closed");
  } finally {
    await app.close();
  }
});

test("bad input is a 400 that names the field; unknown ids and routes are 404", async () => {
  const app = appWith(fakeApi().api);
  try {
    const cases: [InjectOptions, number, string, RegExp][] = [
      [
        { method: "POST", url: "/v1/codexd/sessions", payload: { cwd: "relative" } },
        400,
        "validation_failed",
        /cwd/
      ],
      [
        { method: "POST", url: "/v1/codexd/sessions", payload: { model: "  " } },
        400,
        "validation_failed",
        /model/
      ],
      [
        { method: "POST", url: "/v1/codexd/sessions", payload: { sandbox: "yolo" } },
        400,
        "validation_failed",
        /sandbox/
      ],
      [
        { method: "POST", url: "/v1/codexd/turn", payload: { sessionId: "session-1" } },
        400,
        "validation_failed",
        /input/
      ],
      [
        {
          method: "POST",
          url: "/v1/codexd/turn",
          payload: "{oops",
          headers: { "content-type": "application/json" }
        },
        400,
        "invalid_json",
        /JSON/
      ],
      [
        {
          method: "POST",
          url: "/v1/codexd/turn",
          payload: '{"__proto__":{"x":1}}',
          headers: { "content-type": "application/json" }
        },
        400,
        "invalid_json",
        /proto/
      ],
      [{ method: "GET", url: "/v1/codexd/sessions/session-nope" }, 404, "session_not_found", /session-nope/],
      [{ method: "GET", url: "/v1/codexd/approvals?status=maybe" }, 400, "validation_failed", /status/],
      [{ method: "GET", url: "/v1/codexd/events?limit=0" }, 400, "validation_failed", /limit/],
      [{ method: "GET", url: "/v1/codexd/nope" }, 404, "route_not_found", /nope/]
    ];
    for (const [request, status, code, message] of cases) {
      const response = await app.inject(request);
      assert.equal(response.statusCode, status, JSON.stringify(request));
      assert.equal(response.json().ok, false);
      assert.equal(response.json().error.code, code);
      assert.match(response.json().error.message, message);
    }
  } finally {
    await app.close();
  }
});

test("approval routes: list with a filter, answer mapped per kind, a settled one is 410", async () => {
  const fake = fakeApi();
  const app = appWith(fake.api);
  try {
    const list = await app.inject({
      method: "GET",
      url: "/v1/codexd/approvals?sessionId=session-1&status=pending"
    });
    assert.equal(list.json().data.approvals.length, 1);
    assert.deepEqual(fake.calls.at(-1), {
      op: "approvals.list",
      args: [{ sessionId: "session-1", status: "pending" }]
    });
    const bad = await app.inject({
      method: "POST",
      url: "/v1/codexd/approvals/approval-1",
      payload: { decision: "maybe" }
    });
    assert.equal(bad.statusCode, 400);
    const ok = await app.inject({
      method: "POST",
      url: "/v1/codexd/approvals/approval-1",
      payload: { decision: "acceptForSession" }
    });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(fake.approval.response, { decision: "acceptForSession" });
    const gone = await app.inject({
      method: "POST",
      url: "/v1/codexd/approvals/approval-1",
      payload: { decision: "maybe" }
    });
    assert.equal(gone.statusCode, 410, "a settled approval is 410 whatever the body");
    const missing = await app.inject({
      method: "POST",
      url: "/v1/codexd/approvals/approval-x",
      payload: { decision: "accept" }
    });
    assert.equal(missing.statusCode, 404);
  } finally {
    await app.close();
  }
});

test("status, health, child restart and the events query", async () => {
  const fake = fakeApi();
  const app = appWith(fake.api, { BAA_NODE_ID: "node-7" });
  try {
    assert.deepEqual((await app.inject({ method: "GET", url: "/healthz" })).json(), {
      ok: true,
      data: { status: "ok", service: "codexd", nodeId: "node-7" }
    });
    assert.equal(
      (await app.inject({ method: "GET", url: "/v1/codexd/status" })).json().data.service.name,
      "codexd"
    );
    const restart = await app.inject({ method: "POST", url: "/v1/codexd/child/restart" });
    assert.deepEqual(restart.json(), { ok: true, data: { running: true, child: { status: "running" } } });
    const events = await app.inject({
      method: "GET",
      url: "/v1/codexd/events?after=0&sessionId=session-1&limit=5"
    });
    assert.equal(events.statusCode, 200);
    assert.deepEqual(
      events.json().data.events.map((e: CodexdEvent) => e.seq),
      [1]
    );
    assert.deepEqual(fake.calls.at(-1), {
      op: "query",
      args: [{ after: 0, sessionId: "session-1", limit: 5 }]
    });
  } finally {
    await app.close();
  }
});
