// systemd: a service definition as a user unit, and a unit read back into the shape the
// static check compares (see service-check.mjs).

/** File name of a service's install copy. */
export const systemdFileName = (definition) => definition.unit;

// Inside double quotes systemd unescapes \\ and \"; `%` starts a specifier and `$` a variable.
const quote = (text) => `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%")}"`;
const quoteExec = (text) => quote(text).replace(/\$/g, "$$$$");

/** @param {import("./service-definitions.mjs").ServiceDefinition} definition */
export function renderUnit(definition) {
  const after = definition.after.map((name) => `baa-${name}.service`);
  const lines = [
    "[Unit]",
    `Description=${definition.description}`,
    `Documentation=file://${definition.workingDirectory}/docs/runtime/systemd.md`,
    ...(after.length > 0 ? [`After=${after.join(" ")}`, `Wants=${after.join(" ")}`] : []),
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${definition.argv.map(quoteExec).join(" ")}`,
    `WorkingDirectory=${definition.workingDirectory.replace(/%/g, "%%")}`,
    ...Object.entries(definition.env).map(([name, value]) => `Environment=${quote(`${name}=${value}`)}`),
    "Restart=always",
    "RestartSec=5",
    // codexd needs up to 15 s to stop its child cleanly.
    "KillSignal=SIGTERM",
    "TimeoutStopSec=20",
    `StandardOutput=append:${definition.stdoutPath.replace(/%/g, "%%")}`,
    `StandardError=append:${definition.stderrPath.replace(/%/g, "%%")}`,
    "",
    "[Install]",
    "WantedBy=default.target",
    ""
  ];
  return lines.join("\n");
}

/**
 * Reads a unit into `{label, argv, workingDirectory, env, stdoutPath, stderrPath, restarts}`.
 * Understands what renderUnit writes (double-quoted words, one Environment= per variable).
 * @throws Error on a line it cannot read
 */
export function readUnit(text) {
  const sections = new Map();
  let current;
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1], current);
      continue;
    }
    const eq = line.indexOf("=");
    if (current === undefined || eq <= 0)
      throw new Error(`line ${index + 1} is not "Key=value" inside a section`);
    const key = line.slice(0, eq);
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  const service = sections.get("Service");
  if (service === undefined) throw new Error("no [Service] section");
  const one = (key) => service.get(key)?.at(-1);
  const env = {};
  for (const value of service.get("Environment") ?? []) {
    for (const word of splitWords(value)) {
      const eq = word.indexOf("=");
      if (eq <= 0) throw new Error(`Environment word without "=": ${word}`);
      env[word.slice(0, eq)] = word.slice(eq + 1);
    }
  }
  const execStart = one("ExecStart");
  const output = (value) =>
    (value?.startsWith("append:")
      ? value.slice("append:".length)
      : value?.startsWith("file:")
        ? value.slice(5)
        : undefined
    )?.replace(/%%/g, "%");
  return {
    label: sections.get("Unit")?.get("Description")?.at(-1),
    argv:
      execStart === undefined ? undefined : splitWords(execStart).map((word) => word.replace(/\$\$/g, "$")),
    workingDirectory: one("WorkingDirectory")?.replace(/%%/g, "%"),
    env,
    stdoutPath: output(one("StandardOutput")),
    stderrPath: output(one("StandardError")),
    restarts: ["always", "on-failure", "on-abnormal"].includes(one("Restart") ?? ""),
    startsAtLoad: (sections.get("Install")?.get("WantedBy") ?? []).some((v) => v.includes("default.target"))
  };
}

function splitWords(text) {
  const words = [];
  let i = 0;
  while (i < text.length) {
    while (text[i] === " " || text[i] === "\t") i++;
    if (i >= text.length) break;
    let word = "";
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        word += text[i++];
      }
      if (text[i] !== '"') throw new Error(`unterminated quote in: ${text}`);
      i++;
    } else {
      while (i < text.length && text[i] !== " " && text[i] !== "\t") word += text[i++];
    }
    words.push(word.replace(/%%/g, "%"));
  }
  return words;
}

/** The systemctl --user commands for one service. */
export function systemctlCommands(definition) {
  return {
    daemonReload: ["systemctl", "--user", "daemon-reload"],
    load: ["systemctl", "--user", "enable", "--now", definition.unit],
    restart: ["systemctl", "--user", "restart", definition.unit],
    status: ["systemctl", "--user", "status", "--no-pager", "--lines=0", definition.unit]
  };
}
