// The task view (#/tasks/<id>): the task (its overlaps with other tasks, its place in a land
// queue), its runs with their setup, checks and events (polled every second while the task is
// active, from the last seq seen), each run's final message, the branch's diff (with line
// comments), and the actions a person takes on it. Every call goes to status-api, which forwards
// it to the conductor.
"use strict";

const POLL_MS = 1000;
/** Events kept per run; older ones are dropped from the page (the conductor keeps them all). */
const MAX_RUN_EVENTS = 500;
const EVENTS_PAGE = 200;
const CANCELLABLE = new Set(["queued", "blocked", "running", "needs_approval"]);
const RETRYABLE = new Set(["failed", "cancelled", "timed_out"]);
/** Ended states in which a task's branch may still be sent back or landed. */
const REVIEWABLE_ENDED = new Set(["succeeded", "failed", "cancelled", "timed_out"]);

const taskView = {
  taskId: null,
  task: null,
  runs: [],
  /** runId -> { events, lastSeq, more, dropped } */
  events: new Map(),
  diffKey: null,
  options: null,
  actionsKey: null,
  runsKey: null,
  /** Runs whose event list the person opened (kept open across redraws). */
  openEvents: new Set(),
  timer: null,
  /** Bumped on every show and hide: an answer for an earlier view is dropped. */
  generation: 0,

  show(taskId) {
    this.hide();
    // Line comments written on this task survive a trip to another view and back.
    if (taskId !== this.taskId) {
      lineComments.reset();
      checksView.reset();
    }
    lineComments.attach($("task-diff"));
    Object.assign(this, { taskId, task: null, queue: null, runs: [], events: new Map(), diffKey: null, options: null, actionsKey: null, runsKey: null, openEvents: new Set() });
    for (const id of ["task-header", "task-actions-body", "task-action-error", "task-runs", "task-diff", "task-error"]) $(id).replaceChildren();
    $("task-header").append(h("p", { class: "muted" }, "Loading…"));
    void this.tick(this.generation);
  },

  hide() {
    this.generation += 1;
    clearTimeout(this.timer);
    this.timer = null;
  },

  /** One refresh; schedules the next while the task is active and the view is shown. */
  async tick(generation) {
    try {
      await this.refresh(generation);
    } catch (error) {
      if (generation !== this.generation) return;
      $("task-error").textContent = `Could not read the task: ${error.message}`;
      if (error.status === 404 || error.status === 400) return;
    }
    if (generation !== this.generation) return;
    // A queued task lands by itself: it is followed like an active one.
    if (this.task === null || ACTIVE_STATES.has(this.task.state) || this.task.landQueue) {
      this.timer = setTimeout(() => void this.tick(generation), POLL_MS);
    }
  },

  async refresh(generation) {
    const id = encodeURIComponent(this.taskId);
    const [taskData, runsData] = await Promise.all([getData(`/v1/tasks/${id}`), getData(`/v1/tasks/${id}/runs`)]);
    if (generation !== this.generation) return;
    $("task-error").textContent = "";
    this.task = taskData.task;
    this.runs = runsData.runs ?? [];
    this.queue = this.task.landQueue ? await this.readQueue(this.task) : null;
    if (generation !== this.generation) return;
    const active = ACTIVE_STATES.has(this.task.state);
    // While the task runs, only its running runs gain events; once it stops, each run is read to its end.
    await Promise.all(this.runs.filter((run) => !this.events.has(run.runId) || run.state === "running" || !active).map((run) => this.loadEvents(run.runId, generation)));
    if (generation !== this.generation) return;
    this.renderHeader();
    this.renderRuns();
    await this.refreshReview(generation);
  },

  async loadEvents(runId, generation) {
    const known = this.events.get(runId);
    const path = known === undefined ? `/v1/runs/${encodeURIComponent(runId)}` : `/v1/runs/${encodeURIComponent(runId)}/events?after=${known.lastSeq}&limit=${EVENTS_PAGE}`;
    const data = await getData(path);
    if (generation !== this.generation) return;
    const entry = known ?? { events: [], lastSeq: 0, more: false, dropped: 0 };
    const fresh = (data.events ?? []).filter((event) => event.seq > entry.lastSeq);
    entry.events.push(...fresh);
    if (fresh.length > 0) entry.lastSeq = fresh.at(-1).seq;
    if (entry.events.length > MAX_RUN_EVENTS) entry.dropped += entry.events.splice(0, entry.events.length - MAX_RUN_EVENTS).length;
    entry.more = data.nextAfter !== null && data.nextAfter !== undefined;
    this.events.set(runId, entry);
  },

  /** The queue the task waits in, with its place: `{position, length, landing}`, or null. */
  async readQueue(task) {
    const { repo, target } = task.landQueue;
    try {
      const { queues } = await getData("/v1/queues");
      const queue = (queues ?? []).find((q) => q.repo === repo && q.target === target);
      const entry = queue?.entries.find((e) => e.taskId === task.taskId);
      return queue && entry ? { position: entry.position, length: queue.entries.length, landing: queue.landing } : null;
    } catch (error) {
      // The place is a nicety: the task's own landQueue still says it is queued.
      return { error: error.message };
    }
  },

  hasBranch() {
    return this.runs.some((run) => run.workspace?.kind === "worktree" && run.workspace?.branch);
  },

  /** The diff and the landing options, read again only when the branch (its commits) moved. */
  async refreshReview(generation) {
    const id = encodeURIComponent(this.taskId);
    const key = JSON.stringify([this.task.state, this.runs.map((run) => [run.runId, run.commit, run.state])]);
    if (this.hasBranch() && key !== this.diffKey) {
      const [diff, options] = await Promise.allSettled([getData(`/v1/tasks/${id}/diff`), this.reviewable() ? getData(`/v1/tasks/${id}/landing-options`) : Promise.resolve(null)]);
      if (generation !== this.generation) return;
      this.diffKey = key;
      this.options = options.status === "fulfilled" ? options.value : null;
      if (diff.status === "fulfilled") diffView.render($("task-diff"), diff.value, this.emptyDiffNote());
      else $("task-diff").replaceChildren(h("p", { class: "error" }, `No diff: ${diff.reason.message}`));
    } else if (!this.hasBranch()) {
      const why = this.runs.length === 0 ? "Nothing to show before its first run." : "This task has no branch of its own (it does not run in a git worktree), so there is no diff.";
      $("task-diff").replaceChildren(h("p", { class: "muted" }, why));
    }
    this.renderActions();
  },

  emptyDiffNote() {
    const landing = this.task.landing;
    if (landing === null || landing === undefined || landing.remote) return "The branch changes no file.";
    return `Landed: ${landing.target} holds the branch's work now (${landing.method} @ ${shortSha(landing.commit)}), so nothing differs any more.`;
  },

  reviewable() {
    const state = this.task?.state;
    return state === "in_review" || (REVIEWABLE_ENDED.has(state) && this.hasBranch());
  },

  renderHeader() {
    const task = this.task;
    const landing = task.landing;
    $("task-header").replaceChildren(
      h("h2", null, h("span", { id: "task-state", "data-state": task.state }, badge(task.state)), " ", task.title || task.taskId),
      fields([
        ["task", h("span", { class: "mono" }, task.taskId)],
        ["review", task.review ?? "default"],
        ["base branch", task.baseBranch ?? "—"],
        ["round", String(task.round ?? 1)],
        ["runs", `${task.runCount ?? this.runs.length} · failed attempts ${task.attemptsSpent ?? 0} of ${task.maxAttempts ?? "—"}`],
        ["cwd", task.cwd ? h("span", { class: "mono" }, task.cwd) : "a scratch directory of its own"],
        task.stateReason && ["reason", task.stateReason],
        landing && ["landing", describeLanding(landing)],
        task.landQueue && ["land queue", describeQueued(task.landQueue, this.queue)],
        (task.overlaps ?? []).length > 0 && ["overlaps", describeOverlaps(task.overlaps)],
        task.push && !landing && ["pushed", `${task.push.branch} to ${task.push.remote} @ ${shortSha(task.push.commit)}`],
        ["updated", dateTime(task.updatedAt)]
      ]),
      h("details", null, h("summary", null, "Prompt"), h("pre", { class: "prompt" }, task.prompt ?? "")),
      ...(task.roundInput ? [h("details", { open: true }, h("summary", null, `Round ${task.round} input`), h("pre", { class: "prompt" }, task.roundInput))] : [])
    );
  },

  renderRuns() {
    const key = JSON.stringify([this.runs, [...this.events.values()].map((entry) => [entry.lastSeq, entry.more])]);
    if (key === this.runsKey) return;
    this.runsKey = key;
    if (this.runs.length === 0) {
      $("task-runs").replaceChildren(h("p", { class: "muted" }, "No run yet."));
      return;
    }
    $("task-runs").replaceChildren(...[...this.runs].reverse().map((run) => this.runItem(run)));
    // A running run's list follows its newest event.
    for (const list of $("task-runs").querySelectorAll('.run[data-state="running"] ul.events')) list.scrollTop = list.scrollHeight;
  },

  runItem(run) {
    const entry = this.events.get(run.runId) ?? { events: [], more: false, dropped: 0 };
    const shown = entry.events.filter((event) => !event.type.endsWith(".delta"));
    const ws = run.workspace;
    return h(
      "div",
      { class: "item run", "data-run-id": run.runId, "data-state": run.state },
      h(
        "div",
        { class: "run-head" },
        badge(run.state),
        h("b", null, ` round ${run.round ?? 1}`),
        h("span", { class: "muted" }, ` · attempt ${run.attempt} · `),
        h("span", { class: "mono", title: run.commit ?? "" }, run.commit ? `commit ${shortSha(run.commit)}` : "no commit"),
        h("span", { class: "muted" }, ` · ${time(run.startedAt)}${run.endedAt ? ` – ${time(run.endedAt)}` : ""}`)
      ),
      ws ? h("div", { class: "muted mono" }, `${ws.kind}${ws.branch ? ` · ${ws.branch}` : ""} · ${ws.path}`) : null,
      run.reason ? h("div", { class: "muted" }, run.reason) : null,
      checksView.section(run, entry.events),
      h(
        "details",
        {
          class: "run-events",
          open: run.state === "running" || this.openEvents.has(run.runId),
          ontoggle: (event) => (event.target.open ? this.openEvents.add(run.runId) : this.openEvents.delete(run.runId))
        },
        h("summary", null, `${shown.length} events${entry.dropped > 0 ? ` (the ${entry.dropped} oldest not shown)` : ""}`),
        h("ul", { class: "events mono" }, shown.map((event) => h("li", null, `${time(event.at)}  #${event.seq}  ${event.type}${describeEvent(event)}`))),
        entry.more && run.state !== "running" ? h("button", { class: "more-events", onclick: () => void this.moreEvents(run.runId) }, "More events") : null
      ),
      run.finalMessage ? h("div", { class: "final" }, h("div", { class: "muted" }, "Final message"), h("pre", { class: "final-message" }, run.finalMessage)) : null
    );
  },

  async moreEvents(runId) {
    const generation = this.generation;
    try {
      await this.loadEvents(runId, generation);
      if (generation === this.generation) this.renderRuns();
    } catch (error) {
      flash(`Could not read events: ${error.message}`, true);
    }
  }
};

function describeLanding(landing) {
  const where = landing.remote ? `pushed to ${landing.remote} for ${landing.target}` : `${landing.method} into ${landing.target}`;
  const pr = landing.pullRequest ? h("a", { href: landing.pullRequest.url, target: "_blank", rel: "noopener noreferrer" }, ` pull request #${landing.pullRequest.number}`) : null;
  return h("span", null, `${where} @ ${shortSha(landing.commit)} · ${dateTime(landing.landedAt)}`, pr);
}

function describeQueued(entry, place) {
  const where = `waiting to land into ${entry.target} (${entry.method}) since ${time(entry.queuedAt)}`;
  if (place === null || place.error) return h("span", { id: "task-queue-place" }, where);
  const landing = place.landing === taskView.taskId ? " · landing now" : "";
  return h("span", { id: "task-queue-place", "data-position": place.position }, `${where} · position ${place.position} of ${place.length}${landing}`);
}

/** Other open tasks that changed the same files: each a link and the shared paths. */
function describeOverlaps(overlaps) {
  return h(
    "ul",
    { class: "overlaps" },
    overlaps.map((overlap) =>
      h("li", { class: "overlap", "data-task-id": overlap.taskId }, "changes the same files as ", taskLink(overlap.taskId, overlap.taskId), ": ", h("span", { class: "mono" }, overlap.paths.join(", ")))
    )
  );
}

function describeEvent(event) {
  const data = event.data ?? {};
  if (event.type === "run.check.started") return `  ${data.name} (round ${data.round})`;
  if (event.type === "run.check.ended") return `  ${data.name}: ${data.status}${data.exitCode === null || data.exitCode === undefined ? "" : `, exit ${data.exitCode}`} (round ${data.round})`;
  if (event.type === "run.checks.turn") return `  round ${data.round} answers ${(data.failed ?? []).join(", ")}`;
  if (event.type === "run.setup.ended") return `  ${data.status}`;
  const item = data.item;
  if (item && typeof item === "object") {
    const detail = item.command ?? item.text ?? (Array.isArray(item.changes) ? item.changes.map((c) => c.path).join(", ") : "");
    return `  ${item.type ?? ""}${detail ? `: ${String(detail).slice(0, 160)}` : ""}`;
  }
  if (data.turn?.status) return `  ${data.turn.status}`;
  const said = data.reason ?? data.state ?? data.message;
  return typeof said === "string" ? `  ${said.slice(0, 160)}` : "";
}
