// The static check of rendered service files: each file read back (plist or unit) must run the
// built service with the listen addresses, event path, log and state dirs and app-server child
// its definition says, and the services must agree with each other on where they listen.
import { accessSync, constants, existsSync } from "node:fs";
import { isAbsolute } from "node:path";
import { CHILD_DEFAULTS, CODEXD_EVENT_PATH, probeBaseOf } from "./service-definitions.mjs";
import { isLoopback } from "./options.mjs";

/**
 * Checks one read-back service file against its definition.
 * @param {object} read what readPlist/readUnit returned
 * @param {import("./service-definitions.mjs").ServiceDefinition} definition
 * @param {{manager: "launchd" | "systemd", controlApiBase: string}} context
 * @returns {string[]} problems, empty when the file is right
 */
export function checkServiceFile(read, definition, context) {
  const problems = [];
  const expect = (ok, message) => {
    if (!ok) problems.push(message);
  };
  const env = read.env ?? {};
  const envIs = (name, value) =>
    expect(env[name] === value, `${name} is ${JSON.stringify(env[name])}, expected ${JSON.stringify(value)}`);
  const check = { env, expect, envIs };

  if (context.manager === "launchd")
    expect(
      read.label === definition.label,
      `Label is ${JSON.stringify(read.label)}, expected ${definition.label}`
    );
  else expect(typeof read.label === "string" && read.label !== "", "the unit has no Description");
  checkProgram(read, definition, expect);
  checkOutputAndRestarts(read, definition, expect);

  envIs("BAA_NODE_ID", definition.env.BAA_NODE_ID);
  envIs("BAA_CONTROL_API_BASE", context.controlApiBase);
  expect(
    !("BAA_SHARED_TOKEN" in env),
    "BAA_SHARED_TOKEN is written into the file: the token belongs in the state dir, not a service file"
  );

  if (definition.name === "codexd") checkCodexdEnv(definition, check);
  else if (definition.name === "conductor") checkConductorEnv(definition, check);
  else checkStatusApiEnv(definition, check);
  return problems;
}

/** Program: the node binary, then the service's built main.js, then `start`, in its working directory. */
function checkProgram(read, definition, expect) {
  const argv = Array.isArray(read.argv) ? read.argv : [];
  expect(
    argv.length === 3 && argv.every((a) => typeof a === "string"),
    `program arguments are ${JSON.stringify(read.argv)}, expected [node, main.js, "start"]`
  );
  const [program, main, command] = argv;
  expect(
    typeof program === "string" && isAbsolute(program),
    `program ${JSON.stringify(program)} is not an absolute path`
  );
  if (typeof program === "string" && isAbsolute(program))
    expect(isExecutable(program), `program ${program} is not an executable file`);
  expect(main === definition.argv[1], `script is ${JSON.stringify(main)}, expected ${definition.argv[1]}`);
  if (typeof main === "string")
    expect(
      existsSync(main),
      `script ${main} does not exist: build the workspace first (npx --yes pnpm@9.15.9 run build)`
    );
  expect(command === "start", `command is ${JSON.stringify(command)}, expected "start"`);
  expect(
    read.workingDirectory === definition.workingDirectory,
    `working directory is ${JSON.stringify(read.workingDirectory)}, expected ${definition.workingDirectory}`
  );
  if (typeof read.workingDirectory === "string")
    expect(existsSync(read.workingDirectory), `working directory ${read.workingDirectory} does not exist`);
}

/** What the manager keeps of stdout/stderr, and that it restarts the service. */
function checkOutputAndRestarts(read, definition, expect) {
  for (const [what, path, wanted] of [
    ["stdout", read.stdoutPath, definition.stdoutPath],
    ["stderr", read.stderrPath, definition.stderrPath]
  ]) {
    expect(path === wanted, `${what} goes to ${JSON.stringify(path)}, expected ${wanted}`);
  }
  expect(read.restarts === true, "the service is not restarted when it exits (KeepAlive / Restart=)");
  expect(
    read.startsAtLoad === true,
    "the service does not start at login (RunAtLoad / WantedBy=default.target)"
  );
}

/** codexd: its loopback listen address, event path, dirs and the `codex app-server` child. */
function checkCodexdEnv(definition, { env, expect, envIs }) {
  envIs("BAA_CODEXD_LOCAL_API_BASE", definition.listen);
  if (isUrl(env.BAA_CODEXD_LOCAL_API_BASE)) {
    const url = new URL(env.BAA_CODEXD_LOCAL_API_BASE);
    expect(
      url.protocol === "http:" && isLoopback(url.hostname),
      `BAA_CODEXD_LOCAL_API_BASE ${url.href} must be http:// on a loopback host`
    );
  }
  envIs("BAA_CODEXD_EVENT_STREAM_PATH", CODEXD_EVENT_PATH);
  absoluteDir(env, "BAA_CODEXD_LOGS_DIR", definition.logsDir, expect);
  absoluteDir(env, "BAA_CODEXD_STATE_DIR", definition.stateDir, expect);
  envIs("BAA_CODEXD_REPO_ROOT", definition.env.BAA_CODEXD_REPO_ROOT);
  envIs("BAA_CODEXD_SERVER_ENDPOINT", CHILD_DEFAULTS.endpoint);
  envIs("BAA_CODEXD_SERVER_STRATEGY", CHILD_DEFAULTS.strategy);
  envIs("BAA_CODEXD_SERVER_COMMAND", CHILD_DEFAULTS.command);
  expect(
    typeof env.BAA_CODEXD_SERVER_ARGS === "string" &&
      env.BAA_CODEXD_SERVER_ARGS.split(/\s+/)[0] === "app-server",
    `BAA_CODEXD_SERVER_ARGS is ${JSON.stringify(env.BAA_CODEXD_SERVER_ARGS)}: the child must be \`codex app-server\``
  );
  envIs("BAA_CODEXD_SERVER_CWD", definition.env.BAA_CODEXD_SERVER_CWD);
}

function checkConductorEnv(definition, { env, expect, envIs }) {
  envIs("BAA_CONDUCTOR_LOCAL_API", definition.listen);
  envIs("BAA_CODEXD_LOCAL_API_BASE", definition.env.BAA_CODEXD_LOCAL_API_BASE);
  absoluteDir(env, "BAA_STATE_DIR", definition.stateDir, expect);
  absoluteDir(env, "BAA_LOGS_DIR", definition.logsDir, expect);
  envIs("BAA_RUNS_DIR", definition.env.BAA_RUNS_DIR);
  envIs("BAA_REPO_ROOT", definition.env.BAA_REPO_ROOT);
}

function checkStatusApiEnv(definition, { env, expect, envIs }) {
  envIs("BAA_STATUS_API_LOCAL_API", definition.listen);
  envIs("BAA_CONDUCTOR_LOCAL_API", definition.env.BAA_CONDUCTOR_LOCAL_API);
  envIs("BAA_CODEXD_LOCAL_API_BASE", definition.env.BAA_CODEXD_LOCAL_API_BASE);
  absoluteDir(env, "BAA_STATE_DIR", definition.env.BAA_STATE_DIR, expect);
}

/**
 * Cross-file agreement: the conductor and status-api reach codexd (and status-api the conductor)
 * where those files make them listen, and no two services share a port.
 * @param {Map<string, object>} readByName service name -> read-back file
 * @returns {string[]}
 */
export function checkServiceSet(readByName) {
  const problems = [];
  const listenOf = {
    codexd: "BAA_CODEXD_LOCAL_API_BASE",
    conductor: "BAA_CONDUCTOR_LOCAL_API",
    "status-api": "BAA_STATUS_API_LOCAL_API"
  };
  const listening = new Map();
  for (const [name, read] of readByName) {
    const value = read.env?.[listenOf[name]];
    if (isUrl(value)) listening.set(name, value);
  }
  const codexd = listening.get("codexd");
  for (const name of ["conductor", "status-api"]) {
    const theirs = readByName.get(name)?.env?.BAA_CODEXD_LOCAL_API_BASE;
    if (codexd !== undefined && theirs !== undefined && theirs !== codexd) {
      problems.push(`${name} reaches codexd at ${theirs}, but codexd listens on ${codexd}`);
    }
  }
  const conductor = listening.get("conductor");
  const statusApiSees = readByName.get("status-api")?.env?.BAA_CONDUCTOR_LOCAL_API;
  if (conductor !== undefined && statusApiSees !== undefined && statusApiSees !== probeBaseOf(conductor)) {
    problems.push(
      `status-api reaches the conductor at ${statusApiSees}, but the conductor listens on ${conductor}`
    );
  }
  const conductorState = readByName.get("conductor")?.env?.BAA_STATE_DIR;
  const statusApiState = readByName.get("status-api")?.env?.BAA_STATE_DIR;
  if (conductorState !== undefined && statusApiState !== undefined && conductorState !== statusApiState) {
    problems.push(
      `status-api looks for the conductor's token in ${statusApiState}, but the conductor keeps it in ${conductorState}`
    );
  }
  const ports = new Map();
  for (const [name, value] of listening) {
    const url = new URL(value);
    const port = url.port || (url.protocol === "https:" ? "443" : "80");
    if (ports.has(port)) problems.push(`${name} and ${ports.get(port)} both listen on port ${port}`);
    ports.set(port, name);
  }
  return problems;
}

function absoluteDir(env, name, wanted, expect) {
  const value = env[name];
  expect(
    typeof value === "string" && isAbsolute(value),
    `${name} ${JSON.stringify(value)} is not an absolute directory`
  );
  expect(value === wanted, `${name} is ${JSON.stringify(value)}, expected ${wanted}`);
}

function isUrl(value) {
  try {
    return typeof value === "string" && new URL(value) !== undefined;
  } catch {
    return false;
  }
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
