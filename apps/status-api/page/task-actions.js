// The task view's actions: Land (method, target, push to a remote and open a pull request) or
// Add to queue, Revise (a comment and line comments for the next round), Discard, Retry and
// Cancel. Each posts to status-api, shows the conductor's error message when refused, and reads
// the task again when done.
"use strict";

Object.assign(taskView, {
  renderActions() {
    const task = this.task;
    const key = JSON.stringify([task.state, this.options, this.reviewable(), task.landQueue ?? null]);
    if (key === this.actionsKey) return;
    this.actionsKey = key;
    const parts = [];
    if (this.reviewable()) parts.push(this.landForm(), this.reviseForm(), this.discardForm());
    const simple = [];
    if (RETRYABLE.has(task.state)) simple.push(h("button", { id: "task-retry", onclick: (e) => void this.act(e, "retry", {}, "Queued again") }, "Retry"));
    if (CANCELLABLE.has(task.state)) simple.push(h("button", { id: "task-cancel", onclick: (e) => void this.act(e, "cancel", {}, "Cancel requested") }, "Cancel"));
    if (simple.length > 0) parts.push(h("div", { class: "buttons" }, simple));
    if (parts.length === 0) parts.push(h("p", { class: "muted" }, ACTIVE_STATES.has(task.state) ? "Nothing to do while it works." : "Nothing more to do: the task has ended."));
    $("task-actions-body").replaceChildren(...parts);
    $("task-action-error").textContent = "";
    lineComments.setEnabled($("task-diff"), this.reviewable());
    lineComments.renderPending();
  },

  landForm() {
    const options = this.options ?? { baseBranch: this.task.baseBranch, branches: [], remotes: [] };
    const branches = [...new Set([options.baseBranch, ...(options.branches ?? [])].filter(Boolean))];
    const remotes = options.remotes ?? [];
    const method = h("select", { id: "land-method", name: "method" }, ["merge", "squash", "rebase"].map((m) => h("option", { value: m }, m)));
    const target = h("select", { id: "land-target", name: "target" }, branches.map((b) => h("option", { value: b, selected: b === options.baseBranch }, b)));
    const push = h("select", { id: "land-push", name: "push" }, h("option", { value: "" }, "no: land in this repository"), remotes.map((r) => h("option", { value: r.name }, `${r.name}${r.forge ? ` (${r.forge})` : ""}`)));
    const pr = h("input", { type: "checkbox", id: "land-pr", name: "pullRequest" });
    const draft = h("input", { type: "checkbox", id: "land-draft", name: "draft" });
    const prRow = h("div", { class: "row", id: "land-pr-row", hidden: true }, h("label", null, pr, " open a pull request"), h("label", null, draft, " as a draft"));
    // The pull request box shows only once a remote is picked, and only if its forge is known.
    push.addEventListener("change", () => {
      const remote = remotes.find((r) => r.name === push.value);
      prRow.hidden = remote === undefined || remote.forge === null;
      if (prRow.hidden) pr.checked = false;
    });
    const land = (event) => {
      const body = { method: method.value };
      if (target.value !== "") body.target = target.value;
      if (push.value !== "") body.push = push.value;
      if (push.value !== "" && pr.checked) body.pullRequest = draft.checked ? { draft: true } : {};
      void this.act(event, "land", body, push.value === "" ? `Landed on ${target.value}` : `Pushed to ${push.value}`);
    };
    // The queue lands in this repository only: a remote and a pull request are not its business.
    const queue = (event) => {
      const body = { queue: true, method: method.value };
      if (target.value !== "") body.target = target.value;
      void this.act(event, "land", body, `Added to the land queue of ${target.value || "the base branch"}`);
    };
    return h(
      "div",
      { class: "action land" },
      h("h3", null, "Land"),
      h("div", { class: "row" }, h("label", null, "method ", method), h("label", null, "into ", target), remotes.length > 0 ? h("label", null, "push to ", push) : null),
      remotes.length > 0 ? prRow : null,
      h(
        "div",
        { class: "buttons" },
        h("button", { id: "task-land", class: "primary", onclick: land }, "Land"),
        h("button", { id: "task-queue", title: "Land after the tasks queued before it, re-checked on the target's tip", onclick: queue }, "Add to queue")
      ),
      this.task.landQueue ? h("p", { class: "muted", id: "land-queued" }, `Queued to land into ${this.task.landQueue.target} (${this.task.landQueue.method}) since ${time(this.task.landQueue.queuedAt)}.`) : null
    );
  },

  reviseForm() {
    const comment = h("textarea", { id: "revise-comment", rows: 3, placeholder: "What to change, as you would say it to the agent" });
    const revise = (event) => void this.act(event, "revise", { comment: comment.value }, "Sent back for another round");
    // The general comment goes along only when written; the line comments always do.
    const sendComments = (event) => {
      const body = comment.value.trim() === "" ? {} : { comment: comment.value };
      body.comments = lineComments.pending.map(({ path, line, side, body: text }) => ({ path, line, side, body: text }));
      void this.act(event, "revise", body, `Sent back with ${body.comments.length} line comment${body.comments.length === 1 ? "" : "s"}`, () => lineComments.reset());
    };
    return h(
      "div",
      { class: "action revise" },
      h("h3", null, "Revise"),
      comment,
      h("div", { id: "pending-comments" }),
      h(
        "div",
        { class: "buttons" },
        h("button", { id: "task-revise", onclick: revise }, "Revise"),
        h("button", { id: "task-send-comments", disabled: lineComments.pending.length === 0, onclick: sendComments }, "Send back with comments")
      )
    );
  },

  discardForm() {
    const reason = h("input", { id: "discard-reason", type: "text", placeholder: "why (optional)" });
    const discard = (event) => {
      const body = reason.value.trim() === "" ? {} : { reason: reason.value.trim() };
      void this.act(event, "discard", body, "Discarded; the branch is kept");
    };
    return h("div", { class: "action discard" }, h("h3", null, "Discard"), h("div", { class: "row" }, reason, h("button", { id: "task-discard", onclick: discard }, "Discard")));
  },

  async act(event, action, body, done, afterDone) {
    const buttons = $("task-actions-body").querySelectorAll("button");
    for (const button of buttons) button.disabled = true;
    $("task-action-error").textContent = "";
    const generation = this.generation;
    try {
      await post(`/v1/tasks/${encodeURIComponent(this.taskId)}/${action}`, body);
      if (generation !== this.generation) return;
      flash(done);
      afterDone?.();
      this.actionsKey = null;
      this.diffKey = null;
      this.hide();
      void this.tick(this.generation);
    } catch (error) {
      if (generation !== this.generation) return;
      $("task-action-error").textContent = `${action} failed: ${error.message}`;
      for (const button of buttons) button.disabled = false;
    }
  }
});
