// The live status page. It reads /v1/status/stream (server-sent events) from its own origin
// and sends its actions to its own origin; status-api forwards them to the conductor. Every
// value is put in the page as text, never as HTML: agent output is not trusted.
"use strict";

// Each section re-renders only when its own data changed, so a button is not replaced under
// the pointer while nothing about it moved.
const lastRendered = new Map();
function section(id, data, render) {
  const key = JSON.stringify(data);
  if (lastRendered.get(id) === key) return;
  lastRendered.set(id, key);
  $(id).replaceChildren(...[render(data)].flat().filter(Boolean));
}

function renderServices({ conductor, codexd, node }) {
  const cond = h(
    "div",
    { class: "card", "data-service": "conductor", "data-state": conductor.reachable ? "up" : "down" },
    h("h3", null, "conductor", badge(conductor.reachable ? "up" : "down")),
    fields([
      ["address", conductor.baseUrl],
      conductor.role && ["role", conductor.role.role],
      conductor.role && ["lease", `${conductor.role.holder ?? conductor.role.nodeId ?? "—"} · term ${conductor.role.term ?? "—"}`],
      conductor.role?.expiresAt && ["lease until", time(conductor.role.expiresAt)]
    ]),
    errorLine(conductor.error)
  );
  const child = codexd.child;
  const cdx = h(
    "div",
    { class: "card", "data-service": "codexd", "data-state": codexd.reachable ? "up" : "down" },
    h("h3", null, "codexd", badge(codexd.reachable ? "up" : "down")),
    fields([
      ["address", codexd.baseUrl],
      codexd.service && ["version", `${codexd.service.version}${codexd.service.codexVersion ? ` · codex ${codexd.service.codexVersion}` : ""}${codexd.service.demo ? " · demo" : ""}`],
      child && ["child", h("span", { id: "child-state", "data-state": child.status }, badge(child.status), child.pid ? ` pid ${child.pid}` : "")],
      child && ["restarts", String(child.restarts)],
      child?.lastError && ["last error", child.lastError],
      codexd.reachable && ["sessions", `${codexd.activeSessionCount} active of ${codexd.sessionCount}`]
    ]),
    errorLine(codexd.error)
  );
  const self = h(
    "div",
    { class: "card", "data-service": "status-api", "data-state": "up" },
    h("h3", null, "status-api", badge("up")),
    fields([
      ["node", `${node.nodeId} on ${node.host}`],
      ["version", `${node.statusApi.version} · Node ${node.statusApi.nodeVersion}`],
      ["pid", String(node.statusApi.pid)]
    ])
  );
  return [cond, cdx, self];
}

function renderSystem({ system, reachable }) {
  if (!reachable) return h("p", { class: "muted" }, "The conductor is not reachable.");
  if (!system.available) return [h("p", { class: "muted" }, "System mode is not available."), errorLine(system.error)];
  const { mode, drained, claiming, running, reason, quotaPausedUntil, quotaReason } = system.value;
  const shown = mode === "draining" && drained ? "drained" : mode;
  const facts = [running !== null ? `${running} running` : null, claiming === true ? "claiming new tasks" : claiming === false ? "not claiming" : null];
  return [
    h("p", null, "Mode ", h("span", { id: "system-mode", "data-mode": mode }, badge(shown)), reason ? ` — ${reason}` : ""),
    h("p", { class: "muted" }, facts.filter(Boolean).join(" · ")),
    quotaPausedUntil ? h("p", { class: "error" }, `usage limit${quotaReason ? ` (${quotaReason})` : ""}: claiming resumes at ${time(quotaPausedUntil)}`) : null,
    h(
      "div",
      { class: "buttons" },
      h("button", { id: "pause", disabled: mode === "paused", onclick: () => act("/v1/system/pause", {}, "Paused") }, "Pause"),
      h("button", { id: "drain", disabled: mode === "draining", onclick: () => act("/v1/system/drain", {}, "Draining") }, "Drain"),
      h("button", { id: "resume", class: "primary", disabled: mode === "running", onclick: () => act("/v1/system/resume", {}, "Resumed") }, "Resume")
    )
  ];
}

function describeApproval(details) {
  if (typeof details.command === "string") return details.command;
  if (Array.isArray(details.command)) return details.command.join(" ");
  if (Array.isArray(details.questions)) return details.questions.map((q) => q?.question ?? q?.header ?? JSON.stringify(q)).join("\n");
  if (typeof details.message === "string") return details.message;
  if (typeof details.reason === "string") return details.reason;
  return JSON.stringify(details, null, 1);
}

// Questions need typed answers, which the API takes (`answers`); the page can only decline them.
const canApprove = (kind) => kind !== "userInput";

function renderApprovals({ approvals, reachable }) {
  if (!reachable) return h("p", { class: "muted" }, "codexd is not reachable.");
  if (approvals.length === 0) return h("p", { class: "muted" }, "Nothing is waiting for an answer.");
  return h(
    "div",
    { class: "list" },
    approvals.map((a) =>
      h(
        "div",
        { class: "item approval", "data-approval-id": a.approvalId },
        h("div", null, badge(a.kind, "needs_approval"), " session ", h("span", { class: "mono" }, short(a.sessionId)), h("span", { class: "muted" }, ` · expires ${time(a.expiresAt)}`)),
        h("pre", { class: "mono" }, describeApproval(a.details ?? {})),
        h(
          "div",
          { class: "buttons" },
          canApprove(a.kind) ? h("button", { class: "primary", "data-decision": "accept", onclick: (e) => answer(e, a.approvalId, "accept") }, "Approve") : null,
          h("button", { "data-decision": "decline", onclick: (e) => answer(e, a.approvalId, "decline") }, "Decline"),
          canApprove(a.kind) ? null : h("span", { class: "muted" }, "answer the questions through the API (answers)")
        )
      )
    )
  );
}

function renderTasks({ tasks, reachable, sessions }) {
  if (!reachable) return h("p", { class: "muted" }, "The conductor is not reachable.");
  if (!tasks.available) return [h("p", { class: "muted" }, "Tasks are not available."), errorLine(tasks.error)];
  const t = tasks.value;
  // Waiting on a person: approvals to answer and work to review (older status-api: summed here).
  const waiting = t.waitingOnPerson ?? [...WAITING_STATES].reduce((sum, state) => sum + (t.byState[state] ?? 0), 0);
  const counts = h(
    "div",
    { class: "counts" },
    h("span", { class: `count waiting${waiting > 0 ? " attention" : ""}`, "data-state": "waiting_on_person", "data-count": waiting }, h("b", null, String(waiting)), "waiting on a person"),
    Object.entries(t.byState).map(([state, n]) => h("span", { class: "count", "data-state": state, "data-count": n }, h("b", null, String(n)), state.replaceAll("_", " ")))
  );
  const live = (sessionId) => sessions.find((s) => s.sessionId === sessionId)?.liveEvents ?? [];
  const running =
    t.running.length === 0
      ? h("p", { class: "muted" }, "No task is running.")
      : h(
          "div",
          { class: "list" },
          t.running.map((task) => {
            const run = task.run.available ? task.run.value : null;
            return h(
              "div",
              { class: "item task", "data-task-id": task.taskId, "data-state": task.state },
              h("div", null, badge(task.state), " ", taskLink(task.taskId, h("b", null, task.title || task.taskId)), h("span", { class: "muted mono" }, ` ${short(task.taskId)}`)),
              run ? h("div", { class: "muted" }, `run ${short(run.runId)} · attempt ${run.attempt} · started ${time(run.startedAt)}`) : null,
              run?.sessionId ? eventList(live(run.sessionId)) : null
            );
          })
        );
  const recent =
    t.recent.length === 0
      ? null
      : h(
          "table",
          { class: "grid" },
          h("thead", null, h("tr", null, h("th", null, "finished task"), h("th", null, "state"), h("th", null, "ended"), h("th", null, "reason"))),
          h(
            "tbody",
            null,
            t.recent.map((task) =>
              h("tr", { class: "task", "data-task-id": task.taskId, "data-state": task.state }, h("td", null, taskLink(task.taskId, task.title || task.taskId)), h("td", null, badge(task.state)), h("td", null, time(task.endedAt ?? task.updatedAt)), h("td", { class: "muted" }, task.stateReason ?? ""))
            )
          )
        );
  const inReview = (t.inReview ?? []).length === 0
    ? null
    : h(
        "div",
        { class: "list" },
        t.inReview.map((task) =>
          h("div", { class: "item task", "data-task-id": task.taskId, "data-state": task.state }, badge(task.state), " ", taskLink(task.taskId, h("b", null, task.title || task.taskId)), h("span", { class: "muted" }, ` · waiting since ${time(task.updatedAt)}`))
        )
      );
  return [
    counts,
    t.complete ? null : h("p", { class: "muted" }, "Counts cover the newest tasks only."),
    inReview ? h("h3", null, "In review") : null,
    inReview,
    h("h3", null, "Running"),
    running,
    recent ? h("h3", null, "Recently finished") : null,
    recent
  ];
}

function eventList(events) {
  if (events.length === 0) return null;
  return h("ul", { class: "events mono" }, events.map((e) => h("li", null, `${time(e.at)}  #${e.seq}  ${e.type}`)));
}

function renderSessions(codexd) {
  if (!codexd.reachable) return h("p", { class: "muted" }, "codexd is not reachable.");
  if (codexd.sessions.length === 0) return h("p", { class: "muted" }, "No sessions yet.");
  return h(
    "table",
    { class: "grid sessions" },
    h("thead", null, h("tr", null, h("th", null, "session"), h("th", null, "status"), h("th", null, "turns"), h("th", null, "last turn"), h("th", null, "last reply"))),
    h(
      "tbody",
      null,
      codexd.sessions.map((s) =>
        h(
          "tr",
          { class: "session", "data-session-id": s.sessionId, "data-turn-status": s.lastTurn?.status ?? "none" },
          h("td", null, h("span", { class: "mono" }, short(s.sessionId)), h("div", { class: "muted" }, s.purpose)),
          h("td", null, badge(s.status)),
          h("td", null, String(s.turnCount)),
          h("td", null, s.lastTurn ? [badge(s.lastTurn.status ?? "unknown"), h("div", { class: "muted" }, time(s.lastTurn.completedAt ?? s.lastTurn.startedAt))] : "—", s.lastTurn?.error ? h("div", { class: "error" }, s.lastTurn.error) : null),
          h("td", { class: "reply" }, s.lastTurn?.agentMessage ?? "")
        )
      )
    )
  );
}

function renderEvents(codexd) {
  if (!codexd.reachable) return h("p", { class: "muted" }, "codexd is not reachable.");
  if (codexd.recentEvents.length === 0) return h("p", { class: "muted" }, "No events yet.");
  return h(
    "ul",
    { class: "events mono" },
    [...codexd.recentEvents].reverse().map((e) => h("li", null, `${time(e.at)}  #${e.seq}  ${e.type}${e.sessionId ? `  ${short(e.sessionId)}` : ""}`))
  );
}

// Every node of the cluster from the system report: state, running of capacity, labels.
function renderNodes({ system, reachable }) {
  if (!reachable || !system.available) return h("p", { class: "muted" }, "Nodes are not available.");
  const nodes = system.value.nodes ?? [];
  if (nodes.length === 0) return h("p", { class: "muted" }, "No node has registered.");
  return h(
    "ul",
    { class: "list" },
    nodes.map((node) =>
      h(
        "li",
        { class: "item node", "data-node-id": node.nodeId, "data-state": node.state },
        h("b", null, node.nodeId),
        " ",
        badge(node.state),
        h("span", { class: "muted" }, ` ${node.running ?? "?"}/${node.capacity ?? "?"} running`),
        node.labels.length > 0 ? h("span", { class: "mono" }, ` ${node.labels.join(", ")}`) : null,
        h("span", { class: "muted" }, ` · seen ${time(node.lastSeenAt)}`)
      )
    )
  );
}

function render(doc) {
  $("node-id").textContent = `${doc.node.nodeId} (${doc.node.host})`;
  section("services", { conductor: doc.conductor, codexd: doc.codexd, node: { ...doc.node, statusApi: { ...doc.node.statusApi, uptimeMs: 0 } } }, renderServices);
  section("system-body", { system: doc.conductor.system, reachable: doc.conductor.reachable }, renderSystem);
  section("nodes-body", { system: doc.conductor.system, reachable: doc.conductor.reachable }, renderNodes);
  section("approvals-body", { approvals: doc.codexd.pendingApprovals, reachable: doc.codexd.reachable }, renderApprovals);
  section("tasks-body", { tasks: doc.conductor.tasks, reachable: doc.conductor.reachable, sessions: doc.codexd.sessions }, renderTasks);
  section("sessions-body", doc.codexd, renderSessions);
  section("events-body", doc.codexd, renderEvents);
  $("footer").textContent = `updated ${time(doc.generatedAt)} · status-api up ${duration(doc.node.statusApi.uptimeMs)}`;
  document.body.dataset.generatedAt = doc.generatedAt;
}

async function act(path, body, done) {
  try {
    await post(path, body);
    flash(done);
  } catch (error) {
    flash(`Failed: ${error.message}`, true);
  }
}

async function answer(event, approvalId, decision) {
  const item = event.target.closest(".approval");
  for (const button of item.querySelectorAll("button")) button.disabled = true;
  item.dataset.answer = "sending";
  try {
    await post(`/v1/approvals/${encodeURIComponent(approvalId)}`, { decision });
    item.dataset.answer = decision;
    flash(`${decision === "accept" ? "Approved" : "Declined"} ${short(approvalId)}`);
  } catch (error) {
    item.dataset.answer = "failed";
    for (const button of item.querySelectorAll("button")) button.disabled = false;
    flash(`Failed to answer: ${error.message}`, true);
  }
}

function setLive(state, text) {
  $("live").dataset.state = state;
  $("live-text").textContent = text;
}

function connect() {
  const source = new EventSource("/v1/status/stream");
  source.addEventListener("status", (event) => {
    setLive("live", "live");
    render(JSON.parse(event.data));
  });
  // EventSource reconnects by itself; say so meanwhile.
  source.addEventListener("error", () => setLive("offline", "status-api unreachable, reconnecting…"));
}

connect();
