// A run's setup and checks: the results the run object keeps, completed live from the run's
// `run.setup.ended` / `run.check.started` / `run.check.ended` / `run.checks.turn` events while it
// is going (the run object is rewritten less often than events arrive). Output tails are the
// repository's commands' output: shown as text in a <pre>, never as HTML.
"use strict";

const checksView = {
  /** Keys (`runId name round`) of output tails the person opened or closed, kept across redraws. */
  toggled: new Map(),

  reset() {
    this.toggled = new Map();
  },

  /** The run's Setup and Checks parts, or null when it has neither. */
  section(run, events) {
    const live = liveChecks(events);
    const setup = run.setup ?? live.setup;
    const results = mergeChecks(run.checks ?? [], live);
    if (setup === null && results.length === 0 && live.turns.length === 0) return null;
    return h(
      "div",
      { class: "run-checks", "data-run-id": run.runId },
      setup ? this.setupPart(run.runId, setup) : null,
      results.length > 0 || live.turns.length > 0 ? h("h4", null, "Checks") : null,
      results.length > 0 ? this.table(run.runId, results) : null,
      live.turns.map((turn) =>
        h("p", { class: "check-turn muted", "data-round": turn.round }, `Round ${turn.round}: a new turn answers the failing check${turn.failed.length === 1 ? "" : "s"} ${turn.failed.join(", ")}`)
      )
    );
  },

  setupPart(runId, setup) {
    const copied = setup.copied ?? [];
    return h(
      "div",
      { class: "run-setup", "data-status": setup.status },
      h("h4", null, "Setup ", badge(setup.status, checkBadgeKind(setup.status))),
      copied.length > 0 ? h("div", { class: "muted" }, "copied ", h("span", { class: "mono" }, copied.join(", "))) : null,
      (setup.commands ?? []).map((command, index) =>
        h(
          "div",
          { class: "setup-command", "data-status": command.status },
          badge(command.status, checkBadgeKind(command.status)),
          " ",
          h("span", { class: "mono" }, command.run),
          h("span", { class: "muted" }, ` · exit ${command.exitCode ?? "—"} · ${checkDuration(command.durationMs)}`),
          this.output(`${runId} setup ${index}`, command.outputTail, command.status !== "passed")
        )
      )
    );
  },

  table(runId, results) {
    return h(
      "table",
      { class: "grid checks" },
      h("thead", null, h("tr", null, ["check", "status", "round", "duration", "exit", "output"].map((name) => h("th", null, name)))),
      h(
        "tbody",
        null,
        results.map((check) =>
          h(
            "tr",
            { class: "check", "data-name": check.name, "data-round": check.round, "data-status": check.status },
            h("td", { class: "mono" }, check.name),
            h("td", null, badge(check.status, checkBadgeKind(check.status))),
            h("td", null, String(check.round)),
            h("td", null, check.status === "running" ? "—" : checkDuration(check.durationMs)),
            h("td", null, check.exitCode === null || check.exitCode === undefined ? "—" : String(check.exitCode)),
            h("td", null, check.status === "running" ? null : this.output(`${runId} ${check.name} ${check.round}`, check.outputTail, check.status !== "passed"))
          )
        )
      )
    );
  },

  /** A collapsible output tail; a failure's opens by itself, until the person closes it. */
  output(key, text, failed) {
    if (typeof text !== "string" || text === "") return h("span", { class: "muted" }, "no output");
    const open = this.toggled.get(key) ?? failed;
    return h(
      "details",
      { class: "check-output", open, ontoggle: (event) => this.toggled.set(key, event.target.open) },
      h("summary", null, `output (${text.length} characters, the tail)`),
      h("pre", { class: "mono" }, text)
    );
  }
};

/** What the run's events say so far: ended results, checks started and not ended, setup, new turns. */
function liveChecks(events) {
  const ended = new Map();
  const started = new Map();
  const turns = [];
  let setup = null;
  for (const event of events) {
    const data = event.data ?? {};
    if (event.type === "run.check.started") started.set(`${data.name} ${data.round}`, { name: data.name, round: data.round });
    else if (event.type === "run.check.ended") ended.set(`${data.name} ${data.round}`, data);
    else if (event.type === "run.setup.ended") setup = data;
    else if (event.type === "run.checks.turn") turns.push({ round: data.round, failed: data.failed ?? [] });
  }
  return { ended, started, turns, setup };
}

/** The run's kept results, then results only the events have yet, then checks still running. */
function mergeChecks(kept, live) {
  const key = (check) => `${check.name} ${check.round}`;
  const results = [...kept];
  const known = new Set(kept.map(key));
  for (const [id, result] of live.ended) if (!known.has(id)) (results.push(result), known.add(id));
  for (const [id, check] of live.started) if (!known.has(id)) results.push({ ...check, status: "running", exitCode: null, durationMs: null, outputTail: "" });
  return results.sort((a, b) => a.round - b.round);
}

function checkBadgeKind(status) {
  return status === "passed" ? "check-passed" : status === "running" ? "running" : status === "timed_out" ? "timed_out" : "failed";
}

// Most checks take well under a second: "0s" would say nothing.
function checkDuration(ms) {
  return typeof ms === "number" && ms < 1000 ? `${ms} ms` : duration(ms);
}
