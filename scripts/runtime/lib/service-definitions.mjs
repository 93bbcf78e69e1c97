// One definition per service: what launchd and systemd both render from, and what the static
// checks compare the rendered files against.
import { join } from "node:path";

export const LABEL_PREFIX = "so.makefile.baa-";

/** The app-server child codexd runs: the launchd/systemd face of `codex app-server`. */
export const CHILD_DEFAULTS = Object.freeze({
  endpoint: "stdio://codex-app-server",
  strategy: "spawn",
  command: "codex",
  args: "app-server"
});

export const CODEXD_EVENT_PATH = "/v1/codexd/events";

/**
 * @typedef {object} ServiceDefinition
 * @property {string} name           codexd | conductor | status-api
 * @property {string} label          launchd label, e.g. so.makefile.baa-codexd
 * @property {string} unit           systemd unit file name, e.g. baa-codexd.service
 * @property {string} description
 * @property {string[]} argv         program and arguments: node, main.js, start
 * @property {string} workingDirectory
 * @property {Record<string, string>} env
 * @property {string} listen         where the service listens
 * @property {string} probeBase      where to reach it from this machine
 * @property {string} stateDir
 * @property {string} logsDir        the service's own logs dir
 * @property {string} stdoutPath     what the service manager keeps of stdout
 * @property {string} stderrPath
 * @property {string[]} after        services to start first (ordering only)
 */

/**
 * The definitions of the selected services, in start order.
 * @param {ReturnType<typeof import("./options.mjs").parseOperationsOptions>} options
 * @returns {ServiceDefinition[]}
 */
export function serviceDefinitions(options) {
  return options.services.map((name) => BUILDERS[name](options));
}

/** Every service's definition (checks need the others to compare addresses). */
export function allServiceDefinitions(options) {
  return serviceDefinitions({ ...options, services: ["codexd", "conductor", "status-api"] });
}

const BUILDERS = {
  codexd: (o) => {
    const stateDir = join(o.prefix, "state", "codexd");
    const logsDir = join(o.prefix, "logs", "codexd");
    const env = {
      ...common(o),
      BAA_CODEXD_REPO_ROOT: o.repoRoot,
      BAA_CODEXD_LOCAL_API_BASE: o.codexdLocalApiBase,
      BAA_CODEXD_EVENT_STREAM_PATH: CODEXD_EVENT_PATH,
      BAA_CODEXD_LOGS_DIR: logsDir,
      BAA_CODEXD_STATE_DIR: stateDir,
      BAA_CODEXD_SERVER_ENDPOINT: CHILD_DEFAULTS.endpoint,
      BAA_CODEXD_SERVER_STRATEGY: CHILD_DEFAULTS.strategy,
      BAA_CODEXD_SERVER_COMMAND: CHILD_DEFAULTS.command,
      BAA_CODEXD_SERVER_ARGS: CHILD_DEFAULTS.args,
      BAA_CODEXD_SERVER_CWD: o.repoRoot
    };
    if (o.demo) env.BAA_CODEXD_DEMO = "1";
    if (o.codexHome !== undefined) env.CODEX_HOME = o.codexHome;
    return define(o, "codexd", "codexd: owns the codex app-server child, sessions, turns, events", {
      main: "apps/codexd/dist/main.js",
      env,
      listen: o.codexdLocalApiBase,
      stateDir,
      logsDir,
      after: []
    });
  },
  conductor: (o) => {
    const stateDir = join(o.prefix, "state", "conductor");
    const logsDir = join(o.prefix, "logs", "conductor");
    return define(o, "conductor", "conductor-daemon: the node API, task queue and codexd proxy", {
      main: "apps/conductor-daemon/dist/main.js",
      env: {
        ...common(o),
        BAA_NODE_HOST: o.node,
        BAA_REPO_ROOT: o.repoRoot,
        BAA_CONDUCTOR_LOCAL_API: o.conductorLocalApi,
        BAA_CODEXD_LOCAL_API_BASE: o.codexdLocalApiBase,
        BAA_STATE_DIR: stateDir,
        BAA_RUNS_DIR: join(o.prefix, "runs"),
        BAA_LOGS_DIR: logsDir
      },
      listen: o.conductorLocalApi,
      stateDir,
      logsDir,
      after: ["codexd"]
    });
  },
  "status-api": (o) => {
    const stateDir = join(o.prefix, "state", "status-api");
    const logsDir = join(o.prefix, "logs", "status-api");
    return define(o, "status-api", "status-api: this node's aggregated status and live page", {
      main: "apps/status-api/dist/main.js",
      env: {
        ...common(o),
        BAA_NODE_HOST: o.node,
        BAA_REPO_ROOT: o.repoRoot,
        // The conductor's state dir: where status-api finds the shared token it forwards actions with.
        BAA_STATE_DIR: join(o.prefix, "state", "conductor"),
        BAA_STATUS_API_LOCAL_API: o.statusApiLocalApi,
        BAA_CONDUCTOR_LOCAL_API: probeBaseOf(o.conductorLocalApi),
        BAA_CODEXD_LOCAL_API_BASE: o.codexdLocalApiBase
      },
      listen: o.statusApiLocalApi,
      stateDir,
      logsDir,
      after: ["codexd", "conductor"]
    });
  }
};

function common(o) {
  return { BAA_NODE_ID: o.nodeId, BAA_CONTROL_API_BASE: o.controlApiBase };
}

function define(o, name, description, spec) {
  const launchdLogs = join(o.prefix, "logs", o.manager);
  return {
    name,
    label: `${LABEL_PREFIX}${name}`,
    unit: `baa-${name}.service`,
    description,
    argv: [o.nodePath, join(o.repoRoot, spec.main), "start"],
    workingDirectory: o.repoRoot,
    env: { ...spec.env, PATH: pathFor(o.nodePath), ...o.extraEnv },
    listen: spec.listen,
    probeBase: probeBaseOf(spec.listen),
    stateDir: spec.stateDir,
    logsDir: spec.logsDir,
    stdoutPath: join(launchdLogs, `baa-${name}.out.log`),
    stderrPath: join(launchdLogs, `baa-${name}.err.log`),
    after: spec.after
  };
}

// A service manager's PATH is small; the node that runs the service comes first.
function pathFor(nodePath) {
  const dir = nodePath.slice(0, nodePath.lastIndexOf("/")) || "/";
  return [dir, "/usr/local/bin", "/opt/homebrew/bin", "/usr/bin", "/bin"]
    .filter((d, i, all) => all.indexOf(d) === i)
    .join(":");
}

/** Where to reach a listen address from this machine: a wildcard host becomes loopback. */
export function probeBaseOf(listen) {
  const url = new URL(listen);
  if (url.hostname === "0.0.0.0") url.hostname = "127.0.0.1";
  if (url.hostname === "[::]") url.hostname = "[::1]";
  return url.origin;
}
