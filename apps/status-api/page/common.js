// Helpers shared by the page's scripts (classic scripts: their top-level names are shared).
// Every value from the node is put in the page as text, never as HTML: agent output is not
// trusted. The one exception is diff2html's output (diff-view.js), which escapes what it shows.
"use strict";

const $ = (id) => document.getElementById(id);

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const badge = (text, kind) => h("span", { class: `badge ${kind ?? text}` }, String(text).replaceAll("_", " "));
const short = (id) => (typeof id === "string" && id.length > 14 ? `${id.slice(0, 14)}…` : (id ?? "—"));
const shortSha = (sha) => (typeof sha === "string" ? sha.slice(0, 8) : "—");
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : "—");
const dateTime = (iso) => (iso ? new Date(iso).toLocaleString() : "—");
const duration = (ms) => {
  if (ms === null || ms === undefined) return "—";
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
};
const fields = (pairs) => h("dl", null, pairs.filter(Boolean).flatMap(([k, v]) => [h("dt", null, k), h("dd", null, v ?? "—")]));
const errorLine = (error) => (error ? h("p", { class: "error" }, `${error.code}: ${error.message}`) : null);
const taskLink = (taskId, text) => h("a", { href: `#/tasks/${encodeURIComponent(taskId)}`, class: "task-link" }, text);

/** Every task state, as the conductor names them. */
const TASK_STATES = ["queued", "blocked", "running", "needs_approval", "in_review", "landing", "succeeded", "failed", "cancelled", "timed_out", "landed", "discarded"];
/** States whose task may still change by itself (its runs go on): the task view polls them. */
const ACTIVE_STATES = new Set(["queued", "blocked", "running", "needs_approval", "landing"]);
/** States that wait on a person. */
const WAITING_STATES = new Set(["needs_approval", "in_review"]);

function flash(text, bad) {
  const el = $("flash");
  el.textContent = text;
  el.className = bad ? "bad" : "";
  el.hidden = false;
}

/** An error carrying the conductor's (or status-api's) code and message, as the page shows it. */
class ApiError extends Error {
  constructor(status, error) {
    super(error ? `${error.code}: ${error.message}` : `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? null;
  }
}

async function call(method, path, body) {
  const init = body === undefined ? { method } : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, init);
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok || payload?.ok === false) throw new ApiError(response.status, payload?.error);
  return payload;
}

const post = (path, body) => call("POST", path, body ?? {});
const getData = async (path) => (await call("GET", path)).data;
