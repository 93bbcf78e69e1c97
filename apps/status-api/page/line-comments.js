// Line comments on the diff: a click on a line number in diff2html's output opens a comment box
// under that line; comments gather in a pending list (kept across redraws of the diff) and go to
// the conductor with "Send back with comments" as revise `{comment?, comments}`.
"use strict";

/** The conductor takes at most this many line comments per revise. */
const MAX_LINE_COMMENTS = 50;

const lineComments = {
  /** `{path, line, side, body}` in the order written. */
  pending: [],
  /** Set while the task may be sent back: only then does a click open a box. */
  enabled: false,

  reset() {
    this.pending = [];
    this.enabled = false;
  },

  /** Turns clicks on line numbers in `container` (the diff panel) into comment boxes; once. */
  attach(container) {
    if (container.dataset.lineComments === "on") return;
    container.dataset.lineComments = "on";
    container.addEventListener("click", (event) => {
      if (!this.enabled) return;
      const cell = event.target.closest("td.d2h-code-linenumber, td.d2h-code-side-linenumber");
      const spot = cell ? lineAt(cell) : null;
      if (spot !== null) this.open(cell.parentElement, spot);
    });
  },

  setEnabled(container, enabled) {
    this.enabled = enabled;
    container.classList.toggle("commentable", enabled);
    if (!enabled) for (const box of container.querySelectorAll(".line-comment-box, .line-comment-spacer")) box.remove();
  },

  /** Opens the box under `row` (one box at a time); in side by side a spacer keeps both halves aligned. */
  open(row, spot) {
    const diff = row.closest(".diff-body");
    for (const box of diff.querySelectorAll(".line-comment-box, .line-comment-spacer")) box.remove();
    const text = h("textarea", { class: "line-comment-text", rows: 3, placeholder: "A comment on this line, for the agent" });
    const box = commentRow("line-comment-box", [
      h("div", { class: "muted mono" }, `${spot.path}:${spot.line} (${spot.side} side)`),
      text,
      h(
        "div",
        { class: "buttons" },
        h("button", { class: "line-comment-add primary", onclick: () => this.add(box, { ...spot, body: text.value.trim() }) }, "Add comment"),
        h("button", { class: "line-comment-cancel", onclick: () => closeBox(box) }, "Cancel")
      )
    ]);
    insertAligned(row, box, "line-comment-spacer");
    text.focus();
  },

  add(box, comment) {
    if (comment.body === "") return;
    if (this.pending.length >= MAX_LINE_COMMENTS) {
      flash(`At most ${MAX_LINE_COMMENTS} line comments go back at once.`, true);
      return;
    }
    const diff = box.closest(".diff-body");
    closeBox(box);
    this.pending.push(comment);
    if (diff) this.decorate(diff);
    this.renderPending();
  },

  remove(index) {
    this.pending.splice(index, 1);
    const diff = document.querySelector("#task-diff .diff-body");
    if (diff) this.decorate(diff);
    this.renderPending();
  },

  /** Shows each pending comment as a note under its line (after every draw of the diff). */
  decorate(body) {
    for (const note of body.querySelectorAll(".line-comment-note, .line-comment-note-spacer")) note.remove();
    for (const comment of this.pending) {
      const row = findRow(body, comment);
      if (row === null) continue;
      const note = commentRow("line-comment-note", [h("span", { class: "muted" }, "pending comment: "), comment.body]);
      insertAligned(row, note, "line-comment-note-spacer");
    }
  },

  /** The list in the Revise form; empty when that form is not shown. */
  renderPending() {
    const list = $("pending-comments");
    if (list === null) return;
    const send = $("task-send-comments");
    if (send) send.disabled = this.pending.length === 0;
    if (this.pending.length === 0) {
      list.replaceChildren(h("p", { class: "muted" }, "No line comments yet: click a line number in the diff to comment on that line."));
      return;
    }
    list.replaceChildren(
      h("h4", null, `Pending comments (${this.pending.length})`),
      h(
        "ul",
        { class: "pending-comments" },
        this.pending.map((comment, index) =>
          h(
            "li",
            { class: "pending-comment", "data-path": comment.path, "data-line": comment.line, "data-side": comment.side },
            h("span", { class: "mono" }, `${comment.path}:${comment.line}`),
            " ",
            badge(comment.side, `side-${comment.side}`),
            " ",
            h("span", { class: "pending-body" }, comment.body),
            " ",
            h("button", { class: "pending-remove", title: "Remove this comment", onclick: () => this.remove(index) }, "Remove")
          )
        )
      )
    );
  }
};

/**
 * What a line-number cell means. Unified: one cell holds the old number (.line-num1) and the
 * new one (.line-num2); an added or context line is commented on its new number, a deleted one
 * on its old number. Side by side: the left half is the old file, the right half the new one.
 */
function lineAt(cell) {
  const path = cell.closest(".d2h-file-wrapper")?.dataset.path;
  if (!path) return null;
  const number = (text) => (/^\d+$/.test((text ?? "").trim()) ? Number(text.trim()) : null);
  if (cell.classList.contains("d2h-code-linenumber")) {
    const newLine = number(cell.querySelector(".line-num2")?.textContent);
    if (newLine !== null) return { path, line: newLine, side: "new" };
    const oldLine = number(cell.querySelector(".line-num1")?.textContent);
    return oldLine === null ? null : { path, line: oldLine, side: "old" };
  }
  const line = number(cell.textContent);
  if (line === null) return null;
  const halves = [...cell.closest(".d2h-file-wrapper").querySelectorAll(".d2h-file-side-diff")];
  return { path, line, side: halves.indexOf(cell.closest(".d2h-file-side-diff")) === 0 ? "old" : "new" };
}

/** The row a comment belongs under in the diff as drawn now, or null. */
function findRow(body, comment) {
  const wrapper = [...body.querySelectorAll(".d2h-file-wrapper")].find((el) => el.dataset.path === comment.path);
  if (!wrapper) return null;
  for (const cell of wrapper.querySelectorAll("td.d2h-code-linenumber, td.d2h-code-side-linenumber")) {
    const spot = lineAt(cell);
    if (spot !== null && spot.line === comment.line && spot.side === comment.side) return cell.parentElement;
  }
  return null;
}

function commentRow(kind, children) {
  return h("tr", { class: kind }, h("td", { colspan: 2, class: `${kind}-cell` }, children));
}

/** Inserts `row` after `after`; in side by side, a spacer row goes at the same place in the other half. */
function insertAligned(after, row, spacerKind) {
  after.after(row);
  const half = after.closest(".d2h-file-side-diff");
  if (!half) return;
  const halves = [...half.parentElement.querySelectorAll(":scope > .d2h-file-side-diff")];
  const other = halves.find((el) => el !== half);
  const index = [...after.parentElement.children].indexOf(after);
  const twin = other?.querySelector("tbody")?.children[index];
  if (twin) twin.after(h("tr", { class: spacerKind }, h("td", { colspan: 2 }, h("div", { class: "spacer", "aria-hidden": "true" }))));
  // The spacer takes the box's height once the box is laid out.
  const spacer = twin?.nextElementSibling;
  if (spacer) spacer.firstChild.firstChild.style.height = `${row.getBoundingClientRect().height}px`;
}

function closeBox(box) {
  box.closest(".diff-body")?.querySelectorAll(".line-comment-spacer").forEach((spacer) => spacer.remove());
  box.remove();
}
