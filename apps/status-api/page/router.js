// Which view the hash names: #/ the node's status, #/tasks the task list, #/tasks/<id> one task.
// The status stream runs whatever the view; the task views read only while shown.
"use strict";

function route() {
  const match = /^#\/tasks\/([^/?#]+)$/.exec(location.hash);
  const view = match ? "task" : location.hash === "#/tasks" ? "tasks" : "status";
  for (const name of ["status", "tasks", "task"]) $(`${name}-view`).hidden = name !== view;
  for (const link of document.querySelectorAll("nav a")) link.classList.toggle("current", link.dataset.view === (view === "task" ? "tasks" : view));
  document.body.dataset.view = view;
  if (view !== "tasks") tasksView.hide();
  if (view !== "task") taskView.hide();
  if (view === "tasks") tasksView.show();
  if (view === "task") taskView.show(decodeURIComponent(match[1]));
  $("flash").hidden = true;
}

window.addEventListener("hashchange", route);
route();
