// The tasks view (#/tasks): the conductor's tasks by page, filtered by state, the land queues,
// and a form that creates one (optionally with its own checks). Reads and the create go
// through status-api, which forwards them to the conductor.
"use strict";

const PAGE_SIZE = 20;
const LIST_REFRESH_MS = 3000;

const tasksView = {
  state: "",
  /** Cursors of the pages before the one shown; the last is the shown page's own (null: first). */
  cursors: [null],
  nextCursor: null,
  timer: null,
  loading: false,
  ready: false,

  show() {
    if (!this.ready) this.renderForm();
    this.ready = true;
    void this.load();
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.load(), LIST_REFRESH_MS);
  },

  hide() {
    clearInterval(this.timer);
    this.timer = null;
  },

  async load() {
    if (this.loading) return;
    this.loading = true;
    void queuesView.load();
    void schedulesView.load();
    const cursor = this.cursors.at(-1);
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (this.state !== "") query.set("state", this.state);
    if (cursor !== null) query.set("cursor", cursor);
    try {
      const data = await getData(`/v1/tasks?${query}`);
      this.nextCursor = data.nextCursor ?? null;
      this.renderList(data.tasks ?? []);
      $("tasks-list-error").textContent = "";
    } catch (error) {
      $("tasks-list-error").textContent = `Could not list tasks: ${error.message}`;
    } finally {
      this.loading = false;
    }
  },

  filter(state) {
    this.state = state;
    this.cursors = [null];
    void this.load();
  },

  page(direction) {
    if (direction > 0 && this.nextCursor !== null) this.cursors.push(this.nextCursor);
    else if (direction < 0 && this.cursors.length > 1) this.cursors.pop();
    else return;
    void this.load();
  },

  renderList(tasks) {
    const rows = tasks.map((task) =>
      h(
        "tr",
        { class: "task-row", "data-task-id": task.taskId, "data-state": task.state },
        h("td", null, taskLink(task.taskId, task.title || task.taskId), h("div", { class: "muted mono" }, task.taskId)),
        h("td", null, badge(task.state)),
        h("td", null, task.review ?? "default"),
        h("td", null, String(task.round ?? 1)),
        h("td", null, dateTime(task.updatedAt)),
        h("td", { class: "muted" }, task.stateReason ?? "")
      )
    );
    const table =
      rows.length === 0
        ? h("p", { class: "muted" }, this.state === "" ? "No tasks yet." : `No ${this.state.replaceAll("_", " ")} tasks.`)
        : h(
            "table",
            { class: "grid tasks-table" },
            h("thead", null, h("tr", null, ["task", "state", "review", "round", "updated", "reason"].map((name) => h("th", null, name)))),
            h("tbody", null, rows)
          );
    const pager = h(
      "div",
      { class: "buttons pager" },
      h("button", { id: "tasks-newer", disabled: this.cursors.length <= 1, onclick: () => this.page(-1) }, "← Newer"),
      h("span", { class: "muted" }, `page ${this.cursors.length}`),
      h("button", { id: "tasks-older", disabled: this.nextCursor === null, onclick: () => this.page(1) }, "Older →")
    );
    $("tasks-list").replaceChildren(table, pager);
  },

  renderForm() {
    const filter = $("tasks-filter");
    filter.replaceChildren(h("option", { value: "" }, "every state"), ...TASK_STATES.map((state) => h("option", { value: state }, state.replaceAll("_", " "))));
    filter.addEventListener("change", () => this.filter(filter.value));
    $("create-task").addEventListener("submit", (event) => {
      event.preventDefault();
      void this.create(event.target);
    });
  },

  async create(form) {
    const value = (name) => form.elements[name].value;
    const body = { title: value("title"), prompt: value("prompt") };
    if (value("cwd").trim() !== "") body.cwd = value("cwd").trim();
    if (value("review") !== "") body.review = value("review");
    const button = form.querySelector("button[type=submit]");
    const error = $("create-task-error");
    error.textContent = "";
    const checks = parseChecks(value("checks"));
    if (checks.error) {
      error.textContent = checks.error;
      return;
    }
    if (checks.list.length > 0) body.checks = checks.list;
    button.disabled = true;
    try {
      const payload = await post("/v1/tasks", body);
      const task = payload.data.task;
      form.reset();
      flash(`Created ${task.title}`);
      location.hash = `#/tasks/${encodeURIComponent(task.taskId)}`;
    } catch (failure) {
      error.textContent = failure.message;
    } finally {
      button.disabled = false;
    }
  }
};

/**
 * The create form's checks: one `name: command` a line (blank lines skipped), the task's own
 * checks over the repository's. `{list}` or `{error}` naming the line.
 */
function parseChecks(text) {
  const list = [];
  const lines = text.split("\n");
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") continue;
    const colon = line.indexOf(":");
    const name = colon < 0 ? "" : line.slice(0, colon).trim();
    const run = colon < 0 ? "" : line.slice(colon + 1).trim();
    if (name === "" || run === "") return { error: `checks, line ${index + 1}: write it as name: command` };
    list.push({ name, run });
  }
  return { list };
}
