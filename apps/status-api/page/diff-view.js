// A task's diff: the file list with counts from the conductor, then the patch drawn by
// diff2html (served by status-api from its own node_modules), unified or side by side.
"use strict";

const DIFF_MODES = { unified: "line-by-line", split: "side-by-side" };

const diffView = {
  mode: "unified",

  /**
   * Draws `diff` (the conductor's `GET /v1/tasks/:id/diff` data) into `container`; `empty` says
   * what an empty file list means (after a land the branch is in its target: nothing left).
   */
  render(container, diff, empty = "The branch changes no file.") {
    this.empty = empty;
    const files = diff.files ?? [];
    const added = files.reduce((sum, file) => sum + (file.additions ?? 0), 0);
    const removed = files.reduce((sum, file) => sum + (file.deletions ?? 0), 0);
    const head = h(
      "div",
      { class: "diff-head" },
      h(
        "span",
        { class: "mono" },
        `${diff.base?.branch ?? "base"} @ ${shortSha(diff.base?.commit)}  ←  ${diff.head?.branch ?? "head"} @ ${shortSha(diff.head?.commit)}`
      ),
      h("span", { class: "diff-total" }, `${files.length} file${files.length === 1 ? "" : "s"} `, h("span", { class: "plus" }, `+${added}`), " ", h("span", { class: "minus" }, `−${removed}`)),
      h(
        "span",
        { class: "toggle", role: "group", "aria-label": "diff layout" },
        this.modeButton(container, diff, "unified", "Unified"),
        this.modeButton(container, diff, "split", "Side by side")
      )
    );
    const body = h("div", { class: "diff-body", "data-mode": this.mode });
    const parts = [head, this.fileList(files, body)];
    if (diff.truncated) parts.push(h("p", { class: "warn" }, "The patch is longer than the conductor sends at once: it is cut short below. The file list is whole."));
    parts.push(body);
    container.replaceChildren(...parts);
    this.draw(body, diff.patch ?? "", files.length);
  },

  modeButton(container, diff, mode, label) {
    return h(
      "button",
      { class: this.mode === mode ? "on" : "", "data-diff-mode": mode, "aria-pressed": String(this.mode === mode), onclick: () => {
        this.mode = mode;
        this.render(container, diff, this.empty);
      } },
      label
    );
  },

  fileList(files, body) {
    if (files.length === 0) return h("p", { class: "muted diff-empty" }, this.empty);
    return h(
      "table",
      { class: "grid diff-files" },
      h(
        "tbody",
        null,
        files.map((file) =>
          h(
            "tr",
            { class: "diff-file", "data-path": file.path },
            h("td", null, badge(file.status ?? "modified", `file-${file.status ?? "modified"}`)),
            h(
              "td",
              { class: "mono" },
              h("a", { href: "#", onclick: (event) => this.jump(event, body, file.path) }, file.oldPath && file.oldPath !== file.path ? `${file.oldPath} → ${file.path}` : file.path)
            ),
            h("td", { class: "num" }, file.binary ? h("span", { class: "muted" }, "binary") : [h("span", { class: "plus" }, `+${file.additions ?? 0}`), " ", h("span", { class: "minus" }, `−${file.deletions ?? 0}`)])
          )
        )
      )
    );
  },

  // The file list's links scroll to the file without touching the hash (the router owns it).
  jump(event, body, path) {
    event.preventDefault();
    const wrappers = [...body.querySelectorAll(".d2h-file-wrapper")];
    const wrapper = wrappers.find((el) => el.dataset.path === path) ?? wrappers.find((el) => (el.querySelector(".d2h-file-name")?.textContent ?? "").includes(path));
    wrapper?.scrollIntoView({ behavior: "smooth", block: "start" });
  },

  draw(body, patch, fileCount) {
    if (patch.trim() === "") {
      if (fileCount > 0) body.append(h("p", { class: "muted" }, "No text patch to show (binary files only)."));
      return;
    }
    if (typeof Diff2Html === "undefined") {
      body.append(h("pre", { class: "mono patch" }, patch));
      return;
    }
    const config = { outputFormat: DIFF_MODES[this.mode], drawFileList: false, matching: "lines", colorScheme: "light" };
    // Parsed once and drawn from the parse, so the n-th file wrapper is the n-th parsed file:
    // its path comes from the parse, never from the header's text (a rename shows "a → b").
    const parsed = Diff2Html.parse(patch, config);
    // diff2html escapes the patch's text itself; its HTML is the only HTML this page inserts.
    body.innerHTML = Diff2Html.html(parsed, config);
    body.querySelectorAll(".d2h-file-wrapper").forEach((wrapper, index) => {
      const file = parsed[index];
      if (file !== undefined) wrapper.dataset.path = diffPath(file);
    });
    lineComments.decorate(body);
  }
};

/** A parsed file's path as the conductor names it: the new path, or the old one for a deleted file. */
function diffPath(file) {
  return file.newName && file.newName !== "/dev/null" ? file.newName : file.oldName;
}
