/** A person's comment on one line of a task's diff. */
export interface LineComment {
  path: string;
  /** 1-based, on the side named: `new` (the branch's file) or `old` (the base's). */
  line: number;
  side: "new" | "old";
  body: string;
}

/** Lines of the hunk shown around a commented line, on each side of it. */
const CONTEXT_LINES = 6;

/**
 * The lines of the hunk of `patch` (one file's unified diff) around `line` on `side`, with the
 * commented line marked; null when the diff does not show that line.
 */
export function hunkExcerpt(patch: string, side: "new" | "old", line: number): string | null {
  const lines = patch.split("\n");
  let oldLine = 0;
  let newLine = 0;
  let hunkStart = -1;
  for (let i = 0; i < lines.length; i += 1) {
    const text = lines[i] as string;
    const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (header !== null) {
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
      hunkStart = i;
      continue;
    }
    if (hunkStart < 0 || text.startsWith("\\")) continue;
    const kind = text[0];
    if (kind !== " " && kind !== "+" && kind !== "-") {
      hunkStart = -1;
      continue;
    }
    const onSide = side === "new" ? kind !== "-" && newLine === line : kind !== "+" && oldLine === line;
    if (onSide) return excerpt(lines, hunkStart, i);
    if (kind !== "+") oldLine += 1;
    if (kind !== "-") newLine += 1;
  }
  return null;
}

function excerpt(lines: readonly string[], hunkStart: number, at: number): string {
  let end = at + 1;
  while (end < lines.length && end <= at + CONTEXT_LINES && /^[ +\-\\]/.test(lines[end] as string)) end += 1;
  const from = Math.max(hunkStart + 1, at - CONTEXT_LINES);
  const shown = lines
    .slice(from, end)
    .map((text, index) => (from + index === at ? `${text}    <-- this line` : text));
  return [lines[hunkStart] as string, ...shown].join("\n");
}

/** The next turn's input: the general comment, then each line comment quoting its hunk. */
export function revisionInput(
  comment: string | undefined,
  comments: ReadonlyArray<LineComment & { excerpt: string }>
): string {
  const parts: string[] = [];
  if (comment !== undefined && comment.trim() !== "") parts.push(comment.trim());
  if (comments.length > 0) {
    parts.push(`Review comments on your changes (${comments.length}):`);
    for (const each of comments) {
      parts.push(
        `### ${each.path}, line ${each.line} (${each.side === "new" ? "your version" : "the original"})\n\`\`\`diff\n${each.excerpt}\n\`\`\`\n${each.body.trim()}`
      );
    }
  }
  return parts.join("\n\n");
}
