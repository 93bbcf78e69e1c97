#!/usr/bin/env node
// Starts this node's services in the foreground on their defaults: codexd, then the conductor,
// then status-api (the live page at http://127.0.0.1:4318/). Each is its own process; this
// script only launches and watches them for a person at a terminal. Under launchd/systemd each
// service runs on its own.
// Usage: node scripts/start-node.mjs [--demo] [--only codexd,conductor,status-api]
//   --demo: codex talks to the bundled mock model; --only: start just these services.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const demo =
  process.argv.includes("--demo") ||
  ["1", "true", "yes", "on"].includes((process.env.BAA_CODEXD_DEMO ?? "").toLowerCase());
const env = { ...process.env, BAA_REPO_ROOT: process.env.BAA_REPO_ROOT ?? root };
const onlyAt = process.argv.findIndex((arg) => arg === "--only" || arg.startsWith("--only="));
const only =
  onlyAt === -1
    ? undefined
    : (process.argv[onlyAt].includes("=")
        ? process.argv[onlyAt].slice("--only=".length)
        : (process.argv[onlyAt + 1] ?? "")
      )
        .split(",")
        .filter(Boolean);

const services = [
  {
    name: "codexd",
    main: "apps/codexd/dist/main.js",
    args: ["start", ...(demo ? ["--demo"] : [])],
    health: env.BAA_CODEXD_LOCAL_API_BASE ?? "http://127.0.0.1:4319"
  },
  {
    name: "conductor",
    main: "apps/conductor-daemon/dist/main.js",
    args: ["start"],
    health: env.BAA_CONDUCTOR_LOCAL_API ?? "http://127.0.0.1:4317"
  },
  {
    name: "status-api",
    main: "apps/status-api/dist/main.js",
    args: ["start"],
    health: env.BAA_STATUS_API_LOCAL_API ?? "http://127.0.0.1:4318"
  }
].filter(
  (service) => existsSync(join(root, service.main)) && (only === undefined || only.includes(service.name))
);

const children = [];
let stopping = false;

function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children.reverse()) child.kill("SIGTERM");
  // Past the services' own shutdown deadlines (codexd 15 s), so a slow graceful stop is not cut short.
  setTimeout(() => process.exit(code), 20_000).unref();
  Promise.all(
    children.map((child) => new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r))))
  ).then(() => process.exit(code));
}

/** True when something already answers `url/healthz` (another node of this machine, say). */
async function answers(url) {
  try {
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

// A service that exited is not waited for: what answers its address then is someone else.
async function waitHealthy(url, deadlineMs, child) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      if ((await fetch(`${url}/healthz`)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

// Before anything starts: a Ctrl-C during startup stops what is already up.
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));
// Own process groups do not die with this script: whatever ends it, they are told to stop.
process.on("exit", () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
});

// A second start while a node runs here must say so at once, before it starts anything: the
// services' own single-instance checks would refuse it, but only after this script had probed
// the first node's addresses and called them up.
const alreadyUp = [];
for (const service of services) if (await answers(service.health)) alreadyUp.push(service);
if (alreadyUp.length > 0) {
  console.error(`[start] a node is already running here: ${alreadyUp.map((s) => `${s.name} at ${s.health}`).join(", ")}.
[start] Stop it first (Ctrl-C in its terminal, or its launchd/systemd service), or start this one on
[start] other addresses (BAA_CODEXD_LOCAL_API_BASE, BAA_CONDUCTOR_LOCAL_API, BAA_STATUS_API_LOCAL_API)
[start] and another state dir (BAA_REPO_ROOT or the services' --state-dir). Nothing was started.`);
  process.exit(2);
}

for (const service of services) {
  if (stopping) break;
  // Each service in its own process group: Ctrl-C at the terminal signals the foreground group,
  // which is this script only; it passes one SIGTERM on. In the same group a service would get
  // the terminal's SIGINT and this script's SIGTERM, and count them as two signals.
  const child = spawn(process.execPath, [join(root, service.main), ...service.args], {
    cwd: root,
    env,
    stdio: ["ignore", "inherit", "inherit"],
    detached: true
  });
  children.push(child);
  child.once("exit", (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${service.name} exited (code ${code}, signal ${signal}); stopping the others`);
      stopAll(1);
    }
  });
  if (!(await waitHealthy(service.health, 30_000, child))) {
    if (!stopping) console.error(`[start] ${service.name} did not become healthy at ${service.health}`);
    stopAll(1);
    break;
  }
  console.error(`[start] ${service.name} is up at ${service.health}`);
}

if (!stopping) {
  const conductor = env.BAA_CONDUCTOR_LOCAL_API ?? "http://127.0.0.1:4317";
  const baa = `node ${join(root, "apps/cli/dist/main.js")}${env.BAA_CONDUCTOR_LOCAL_API === undefined ? "" : ` (with BAA_CONDUCTOR_URL=${conductor})`}`;
  // Demo mode's model changes files only in a task's worktree: the review loop is what to try.
  const tryTasks = demo
    ? `  cd <a git repository of yours>; baa tasks add "Write a hello note"   (baa = ${baa})
  baa tasks show <task id>; baa tasks diff <task id>; baa tasks land <task id>   (once it is in_review)
`
    : "";
  console.error(`[start] ready${demo ? " (demo mode: bundled mock model)" : ""}. Try:
${tryTasks}  curl -s ${conductor}/v1/codex
  curl -s -X POST ${conductor}/v1/codex/sessions -H 'content-type: application/json' -d '{"purpose":"duplex"}'
  open ${env.BAA_STATUS_API_LOCAL_API ?? "http://127.0.0.1:4318"}/   (the live status page)
Ctrl-C stops everything.`);
}
