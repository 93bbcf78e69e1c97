import type { ServerResponse } from "node:http";
import { sendJson, type SeenRequest } from "./fake-service.js";

const at = "2026-11-26T08:00:00.000Z";

/** A codexd status document as codexd's /v1/codexd/status sends it (the fields status-api reads). */
export function codexdStatusBody(overrides: { childStatus?: string; restarts?: number } = {}) {
  return {
    ok: true,
    data: {
      service: { name: "codexd", version: "0.1.0", nodeId: "test-node", demo: false },
      codex: { version: "0.125.0", protocolVersion: "0.125.0", executable: "/x/codex", error: null },
      snapshot: {
        daemon: {
          started: true,
          uptimeMs: 5_000,
          child: {
            status: overrides.childStatus ?? "running",
            pid: 4242,
            restarts: overrides.restarts ?? 1,
            uptimeMs: 4_000,
            lastError: null,
            nextRestartAt: null
          }
        },
        identity: { nodeId: "test-node", repoRoot: "/repo" },
        sessionRegistry: {
          count: 2,
          activeCount: 2,
          sessions: [
            {
              sessionId: "session-old",
              threadId: "t1",
              status: "active",
              purpose: "duplex",
              cwd: "/repo",
              updatedAt: "2026-11-26T07:00:00.000Z",
              turnCount: 1,
              activeTurn: null,
              lastTurnId: "turn-1",
              lastTurnStatus: "completed",
              lastTurnError: null,
              lastTurnStartedAt: at,
              lastTurnCompletedAt: at,
              lastAgentMessage: "hello there",
              pendingApprovals: []
            },
            {
              sessionId: "session-busy",
              threadId: "t2",
              status: "active",
              purpose: "worker",
              cwd: "/repo",
              updatedAt: "2026-11-26T08:00:01.000Z",
              turnCount: 2,
              activeTurn: { turnId: "turn-9", startedAt: at },
              lastTurnId: "turn-2",
              lastTurnStatus: "completed",
              lastTurnError: null,
              lastTurnStartedAt: at,
              lastTurnCompletedAt: at,
              lastAgentMessage: "previous",
              pendingApprovals: [
                {
                  approvalId: "approval-1",
                  kind: "commandExecution",
                  turnId: "turn-9",
                  itemId: "item-1",
                  details: { command: "touch x" },
                  status: "pending",
                  createdAt: at,
                  expiresAt: "2026-11-26T08:10:00.000Z"
                }
              ]
            }
          ]
        },
        recentEvents: {
          lastSeq: 12,
          count: 3,
          events: [
            {
              seq: 10,
              type: "turn.accepted",
              at,
              sessionId: "session-busy",
              threadId: "t2",
              turnId: "turn-9",
              data: {}
            },
            {
              seq: 11,
              type: "app-server.item.agentMessage.delta",
              at,
              sessionId: "session-busy",
              threadId: "t2",
              turnId: "turn-9",
              data: { delta: "x" }
            },
            {
              seq: 12,
              type: "approval.requested",
              at,
              sessionId: "session-busy",
              threadId: "t2",
              turnId: "turn-9",
              data: {}
            }
          ]
        },
        runRegistry: { runs: [] }
      }
    }
  };
}

/** A conductor with the control-plane routes: role, system state, tasks and runs. */
export function fullConductor(request: SeenRequest, res: ServerResponse): void {
  const path = request.url.split("?")[0];
  if (path === "/rolez")
    return sendJson(res, 200, {
      ok: true,
      data: { role: "leader", nodeId: "test-node", holder: "test-node", term: 3, expiresAt: at }
    });
  if (path === "/v1/system/state")
    return sendJson(res, 200, {
      ok: true,
      data: {
        mode: "running",
        reason: null,
        changedAt: at,
        drained: false,
        claiming: true,
        running: {
          count: 1,
          runs: [
            {
              runId: "run-a",
              taskId: "task-a",
              attempt: 1,
              owner: "test-node",
              term: 3,
              startedAt: at,
              lastEventAt: at
            }
          ]
        },
        quota: null,
        leader: { holder: "test-node", term: 3, expiresAt: at, expired: false },
        node: { role: "leader", nodeId: "test-node", term: 3, validUntil: at },
        nodes: [
          {
            nodeId: "test-node",
            address: "http://127.0.0.1:4317",
            labels: ["gpu"],
            capacity: 2,
            running: 1,
            version: "0.1.0",
            executes: true,
            lastSeenAt: at,
            state: "up"
          }
        ],
        // Exact counts over every task; the list below is only its newest page.
        tasks: {
          queued: 7,
          blocked: 0,
          running: 1,
          needs_approval: 0,
          in_review: 1,
          landing: 0,
          succeeded: 40,
          failed: 2,
          cancelled: 0,
          timed_out: 0,
          landed: 3,
          discarded: 0
        }
      }
    });
  if (path === "/v1/tasks") {
    const state = new URL(request.url, "http://x").searchParams.get("state");
    const tasks = [
      {
        taskId: "task-a",
        title: "build it",
        state: "running",
        stateReason: null,
        runCount: 1,
        lastRunId: "run-a",
        updatedAt: at,
        endedAt: null
      },
      {
        taskId: "task-b",
        title: "done one",
        state: "succeeded",
        stateReason: null,
        runCount: 1,
        lastRunId: "run-b",
        updatedAt: at,
        endedAt: at
      },
      {
        taskId: "task-c",
        title: "waiting",
        state: "queued",
        stateReason: null,
        runCount: 0,
        lastRunId: null,
        updatedAt: at,
        endedAt: null
      },
      {
        taskId: "task-d",
        title: "look at me",
        state: "in_review",
        stateReason: null,
        runCount: 1,
        lastRunId: "run-d",
        updatedAt: at,
        endedAt: null
      }
    ].filter((task) => state === null || task.state === state);
    return sendJson(res, 200, { ok: true, data: { tasks, nextCursor: null } });
  }
  if (path === "/v1/tasks/task-a/runs")
    return sendJson(res, 200, {
      ok: true,
      data: {
        runs: [
          {
            runId: "run-a",
            taskId: "task-a",
            attempt: 1,
            state: "running",
            sessionId: "session-busy",
            turnId: "turn-9",
            startedAt: at,
            lastEventAt: at
          }
        ]
      }
    });
  if (request.method === "POST")
    return sendJson(res, 200, {
      ok: true,
      data: { forwarded: path, body: JSON.parse(request.body || "{}") }
    });
  return sendJson(res, 404, {
    ok: false,
    error: { code: "route_not_found", message: `no route for ${request.method} ${path}` }
  });
}

/** Today's conductor before the control plane: probes only, every /v1 control route 404. */
export function proxyOnlyConductor(request: SeenRequest, res: ServerResponse): void {
  const path = request.url.split("?")[0];
  if (path === "/rolez")
    return sendJson(res, 200, { ok: true, data: { role: "leader", nodeId: "test-node", leaseTerm: 1 } });
  return sendJson(res, 404, {
    ok: false,
    error: { code: "route_not_found", message: `no route for ${request.method} ${path}` }
  });
}

export function codexdHandler(body: unknown = codexdStatusBody()) {
  return (request: SeenRequest, res: ServerResponse): void => {
    if (request.url.startsWith("/v1/codexd/status")) return sendJson(res, 200, body);
    return sendJson(res, 404, { ok: false, error: { code: "route_not_found", message: "no route" } });
  };
}
