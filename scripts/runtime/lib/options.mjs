// Flags shared by the install/status/restart/reload/check scripts of both service managers.
// Rendering reads flags only (never the environment), so the same flags render the same files.
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

export const SERVICE_NAMES = Object.freeze(["codexd", "conductor", "status-api"]);

/** The clone these scripts live in. */
export const REPO_ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));

const FLAGS = {
  service: { type: "string", default: "all" },
  node: { type: "string", default: "mini" },
  "node-id": { type: "string" },
  "repo-root": { type: "string" },
  prefix: { type: "string" },
  "install-dir": { type: "string" },
  "node-path": { type: "string" },
  "control-api-base": { type: "string", default: "https://conductor.makefile.so" },
  "codexd-local-api-base": { type: "string", default: "http://127.0.0.1:4319" },
  "conductor-local-api": { type: "string", default: "http://127.0.0.1:4317" },
  "status-api-local-api": { type: "string", default: "http://127.0.0.1:4318" },
  "codex-home": { type: "string" },
  env: { type: "string", multiple: true, default: [] },
  demo: { type: "boolean", default: false },
  "dry-run": { type: "boolean", default: false },
  "timeout-ms": { type: "string", default: "30000" },
  help: { type: "boolean", default: false }
};

export const OPTIONS_USAGE = `flags:
  --service codexd|conductor|status-api|all   which services (default all)
  --node NAME                 node name (default mini); the node id defaults to NAME-main
  --node-id ID                node id written into every service (BAA_NODE_ID)
  --repo-root DIR             the built clone the services run from (default: this clone)
  --prefix DIR                root of state/ and logs/ (default: the repo root)
  --install-dir DIR           where the install copies go (default: the manager's user dir)
  --node-path PATH            the node binary the services run with (default: this node)
  --control-api-base URL      BAA_CONTROL_API_BASE (default https://conductor.makefile.so)
  --codexd-local-api-base URL codexd's listen address, loopback only (default http://127.0.0.1:4319)
  --conductor-local-api URL   the conductor's listen address (default http://127.0.0.1:4317)
  --status-api-local-api URL  status-api's listen address (default http://127.0.0.1:4318)
  --codex-home DIR            CODEX_HOME for codexd (default: the user's own, ~/.codex)
  --env NAME=VALUE            one more environment variable for every selected service (repeatable),
                              e.g. --env BAA_DATABASE_URL=postgres://... ; never BAA_SHARED_TOKEN
  --demo                      codexd in demo mode (bundled mock model)
  --dry-run                   render the install copies, change nothing else
  --timeout-ms N              how long reload waits for /healthz (default 30000)
`;

/** A usage or configuration error; the wrapper exits 2 with its message. */
export class UsageError extends Error {}

/**
 * Parses the shared flags into a frozen options object with absolute paths.
 * @param {string[]} argv flags only
 * @param {{manager: "launchd" | "systemd", home?: string, xdgConfigHome?: string}} context
 */
export function parseOperationsOptions(argv, context) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(error.message);
  }
  const problems = [];
  const services = values.service === "all" ? [...SERVICE_NAMES] : [values.service];
  if (!SERVICE_NAMES.includes(services[0]))
    problems.push(`--service must be codexd, conductor, status-api or all (got ${values.service})`);
  for (const flag of [
    "control-api-base",
    "codexd-local-api-base",
    "conductor-local-api",
    "status-api-local-api"
  ]) {
    if (!isHttpUrl(values[flag])) problems.push(`--${flag} must be an http(s) URL (got ${values[flag]})`);
  }
  if (
    isHttpUrl(values["codexd-local-api-base"]) &&
    !isLoopback(new URL(values["codexd-local-api-base"]).hostname)
  ) {
    problems.push("--codexd-local-api-base must name a loopback host: codexd only listens locally");
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(values.node))
    problems.push(`--node must be a plain name (got ${values.node})`);
  const timeoutMs = Number(values["timeout-ms"]);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    problems.push("--timeout-ms must be a positive whole number");
  const extraEnv = {};
  for (const pair of values.env) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(pair);
    if (match === null) problems.push(`--env must be NAME=VALUE (got ${JSON.stringify(pair)})`);
    else if (match[1] === "BAA_SHARED_TOKEN")
      problems.push(
        "--env BAA_SHARED_TOKEN: the token stays out of service files (the conductor keeps it in its state dir)"
      );
    else extraEnv[match[1]] = match[2];
  }
  if (problems.length > 0) throw new UsageError(problems.join("\n"));

  const home = context.home ?? homedir();
  const repoRoot = resolve(values["repo-root"] ?? REPO_ROOT);
  const prefix = resolve(repoRoot, values.prefix ?? repoRoot);
  const defaultInstallDir =
    context.manager === "launchd"
      ? join(home, "Library", "LaunchAgents")
      : join(
          context.xdgConfigHome && isAbsolute(context.xdgConfigHome)
            ? context.xdgConfigHome
            : join(home, ".config"),
          "systemd",
          "user"
        );
  return Object.freeze({
    manager: context.manager,
    services: Object.freeze(services),
    node: values.node,
    nodeId: values["node-id"] ?? `${values.node}-main`,
    repoRoot,
    prefix,
    installDir: resolve(values["install-dir"] ?? defaultInstallDir),
    nodePath: resolve(values["node-path"] ?? process.execPath),
    controlApiBase: values["control-api-base"],
    codexdLocalApiBase: stripSlash(values["codexd-local-api-base"]),
    conductorLocalApi: stripSlash(values["conductor-local-api"]),
    statusApiLocalApi: stripSlash(values["status-api-local-api"]),
    codexHome: values["codex-home"] === undefined ? undefined : resolve(values["codex-home"]),
    extraEnv: Object.freeze(extraEnv),
    demo: values.demo,
    dryRun: values["dry-run"],
    timeoutMs,
    help: values.help
  });
}

function isHttpUrl(text) {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(hostname) {
  const host = hostname.replace(/^\[(.*)\]$/, "$1");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function stripSlash(url) {
  return url.replace(/\/+$/, "");
}
