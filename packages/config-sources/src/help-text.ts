import type { Source, SourceTable } from "./source-table.js";

/**
 * The flag lines of a service's `--help`, one per flag of the table (`--flag VALUE  ENV  help`),
 * then the env-only settings, so the help names every source the table reads.
 */
export function helpText(table: SourceTable): string {
  const rows = Object.values(table)
    .filter(([flag]) => flag !== "")
    .map((source) => [`--${source[0]}${placeholder(source)}`, source[1], note(source)] as const);
  const width = Math.min(34, Math.max(...rows.map(([left]) => left.length)));
  const envWidth = Math.max(0, ...rows.map(([, env]) => env.length));
  const lines = rows.map(([left, env, text]) =>
    `  ${left.padEnd(width)}  ${text === "" ? env : `${env.padEnd(envWidth)}  ${text}`}`.trimEnd()
  );
  const envOnly = Object.values(table)
    .filter(([flag, env]) => flag === "" && env !== "")
    .map(([, env]) => env);
  if (envOnly.length > 0) lines.push(...wrap(`environment only, never a flag: ${envOnly.join(", ")}`, 100));
  return `${lines.join("\n")}\n`;
}

// Names whose value has a familiar shape: `--local-api-base URL`, `--repo-root DIR`.
const SHAPES: Readonly<Record<string, string>> = {
  base: "URL",
  api: "URL",
  address: "URL",
  endpoint: "URL",
  root: "DIR",
  cwd: "DIR",
  config: "FILE"
};

// What the value looks like: N, true|false, or the flag's last word (`--state-dir DIR`).
function placeholder([flag, , kind = "string"]: Source): string {
  const last = flag.split("-").at(-1) ?? "value";
  const word = SHAPES[last] ?? last.toUpperCase();
  switch (kind) {
    case "switch":
      return "";
    case "number":
      return " N";
    case "boolean":
      return " true|false";
    case "list":
      return ` ${word.replace(/S$/, "")},...`;
    default:
      return ` ${word}`;
  }
}

function note([, , kind, help = ""]: Source): string {
  return kind === "repeated" ? `${help} (repeatable)`.trim() : help;
}

function wrap(text: string, columns: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > columns - 2) {
      lines.push(`  ${line}`);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(`  ${line}`);
  return lines;
}
