// The Schedules panel on the tasks view: each schedule from GET /v1/schedules (forwarded), its
// cron and zone, its next fire and the task its last fire created. Read only; read with the task list.
"use strict";

const schedulesView = {
  async load() {
    try {
      const data = await getData("/v1/schedules");
      this.render(data.schedules ?? []);
      $("schedules-error").textContent = "";
    } catch (error) {
      $("schedules-error").textContent = `Could not read the schedules: ${error.message}`;
    }
  },

  render(schedules) {
    const key = JSON.stringify(schedules);
    if (key === this.renderedKey) return;
    this.renderedKey = key;
    if (schedules.length === 0) {
      $("schedules-body").replaceChildren(h("p", { class: "muted" }, "No schedule."));
      return;
    }
    $("schedules-body").replaceChildren(...schedules.map((schedule) => this.item(schedule)));
  },

  item(schedule) {
    return h(
      "div",
      { class: "item schedule", "data-schedule-id": schedule.scheduleId },
      h("b", null, schedule.name),
      " ",
      h("span", { class: "mono" }, schedule.cron),
      h("span", { class: "muted" }, ` (${schedule.timezone})`),
      " ",
      schedule.paused ? badge("paused") : h("span", { class: "next-fire" }, `next ${time(schedule.nextFireAt)}`),
      schedule.lastTaskId ? h("span", { class: "muted" }, " · last: ", taskLink(schedule.lastTaskId, time(schedule.lastFireAt))) : null
    );
  }
};
