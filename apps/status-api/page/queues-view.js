// The Queues panel on the tasks view: each land queue (a repository and a target branch) from
// GET /v1/queues, its entries in landing order, which one is landing and which node holds the
// target's lock. Read with the task list.
"use strict";

const queuesView = {
  async load() {
    try {
      const data = await getData("/v1/queues");
      this.render(data.queues ?? []);
      $("queues-error").textContent = "";
    } catch (error) {
      $("queues-error").textContent = `Could not read the land queues: ${error.message}`;
    }
  },

  render(queues) {
    const key = JSON.stringify(queues);
    if (key === this.renderedKey) return;
    this.renderedKey = key;
    if (queues.length === 0) {
      $("queues-body").replaceChildren(h("p", { class: "muted" }, "No task is queued to land."));
      return;
    }
    $("queues-body").replaceChildren(...queues.map((queue) => this.queueItem(queue)));
  },

  queueItem(queue) {
    const state = queue.landing ? "landing" : "waiting";
    return h(
      "div",
      { class: "item queue", "data-repo": queue.repo, "data-target": queue.target, "data-landing": queue.landing ?? "" },
      h(
        "div",
        null,
        h("b", { class: "mono" }, queue.target),
        h("span", { class: "muted mono" }, ` in ${queue.repo}`),
        " ",
        badge(state, queue.landing ? "landing" : "queued"),
        queue.lockHolder ? h("span", { class: "muted" }, ` · lock held by ${queue.lockHolder}`) : null
      ),
      h(
        "ol",
        { class: "queue-entries" },
        queue.entries.map((entry) =>
          h(
            "li",
            { class: `queue-entry${entry.taskId === queue.landing ? " is-landing" : ""}`, "data-task-id": entry.taskId, "data-position": entry.position },
            taskLink(entry.taskId, entry.title || entry.taskId),
            " ",
            badge(entry.taskId === queue.landing ? "landing" : entry.state),
            h("span", { class: "muted" }, ` · queued ${time(entry.queuedAt)}`)
          )
        )
      )
    );
  }
};
