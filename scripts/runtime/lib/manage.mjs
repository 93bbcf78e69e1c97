#!/usr/bin/env node
// The service-manager scripts in one place: `manage.mjs launchd|systemd install|status|restart|reload|check [flags]`.
// The *-launchd.sh and *-systemd.sh wrappers only pick the manager and the action.
// Exit codes: 0 done / healthy, 1 a check or command failed, 2 usage.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchctlCommands, launchdFileName, readPlist, renderPlist } from "./launchd.mjs";
import { nodeProbes, runProbe, waitHealthy } from "./node-probes.mjs";
import { OPTIONS_USAGE, parseOperationsOptions, UsageError } from "./options.mjs";
import { checkServiceFile, checkServiceSet } from "./service-check.mjs";
import { allServiceDefinitions, serviceDefinitions } from "./service-definitions.mjs";
import { readUnit, renderUnit, systemctlCommands, systemdFileName } from "./systemd.mjs";

const MANAGERS = {
  launchd: { fileName: launchdFileName, render: renderPlist, read: readPlist, tool: "launchctl" },
  systemd: { fileName: systemdFileName, render: renderUnit, read: readUnit, tool: "systemctl" }
};
const ACTIONS = { install, status, restart, reload, check };

const out = (line) => process.stdout.write(`${line}\n`);
const err = (line) => process.stderr.write(`${line}\n`);

async function main([managerName, action, ...argv]) {
  const manager = MANAGERS[managerName];
  if (manager === undefined || !(action in ACTIONS)) {
    err(`usage: manage.mjs launchd|systemd install|status|restart|reload|check [flags]\n\n${OPTIONS_USAGE}`);
    return 2;
  }
  let options;
  try {
    options = parseOperationsOptions(argv, {
      manager: managerName,
      home: process.env.HOME,
      xdgConfigHome: process.env.XDG_CONFIG_HOME
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`${error.message}\n\nusage: ${action}-${managerName}.sh [flags]\n\n${OPTIONS_USAGE}`);
    return 2;
  }
  if (options.help) {
    out(`usage: ${action}-${managerName}.sh [flags]\n\n${OPTIONS_USAGE}`);
    return 0;
  }
  return ACTIONS[action](manager, options);
}

function hasTool(name) {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

function requireTool(manager, options) {
  if (hasTool(manager.tool)) return true;
  err(
    options.manager === "launchd"
      ? "launchctl not found: launchd runs on macOS. On Linux use the *-systemd.sh scripts; --dry-run renders the plists anywhere."
      : "systemctl not found: systemd user units need a Linux with systemd. --dry-run renders the units anywhere."
  );
  return false;
}

/** Runs a command, echoing it; returns its exit status. */
function run(argv, { quiet = false } = {}) {
  out(`$ ${argv.join(" ")}`);
  const result = spawnSync(argv[0], argv.slice(1), { stdio: quiet ? "ignore" : "inherit" });
  if (result.error) err(`${argv[0]}: ${result.error.message}`);
  return result.status ?? 1;
}

// Right after a bootout, launchd may still be tearing the old job down and refuse the
// bootstrap ("Bootstrap failed: 5: Input/output error"); a few tries a second apart cover it.
function bootstrap(argv) {
  let status = run(argv);
  for (let attempt = 1; status !== 0 && attempt < 4; attempt++) {
    spawnSync("sleep", ["1"]);
    out(`retrying (${attempt} of 3)`);
    status = run(argv);
  }
  return status;
}

function renderInstallCopies(manager, options) {
  mkdirSync(options.installDir, { recursive: true });
  const written = [];
  for (const definition of serviceDefinitions(options)) {
    const file = join(options.installDir, manager.fileName(definition));
    writeFileSync(file, manager.render(definition));
    written.push({ definition, file });
    out(`rendered ${definition.name}: ${file}`);
  }
  return written;
}

function prepareDirs(options) {
  for (const definition of serviceDefinitions(options)) {
    for (const dir of [definition.stateDir, definition.logsDir, join(definition.stdoutPath, "..")])
      mkdirSync(dir, { recursive: true });
  }
}

function install(manager, options) {
  if (!options.dryRun && !requireTool(manager, options)) return 1;
  const written = renderInstallCopies(manager, options);
  if (options.dryRun) {
    out(
      `dry run: nothing loaded. Check the copies with ./scripts/runtime/check-${options.manager}.sh --install-dir ${options.installDir}`
    );
    return 0;
  }
  prepareDirs(options);
  let failed = 0;
  if (options.manager === "launchd") {
    const uid = process.getuid();
    for (const { definition } of written) {
      const commands = launchctlCommands(definition, options.installDir, uid);
      run(commands.unload, { quiet: true }); // not loaded yet is fine
      if (bootstrap(commands.load) !== 0) failed++;
    }
  } else {
    if (run(systemctlCommands(written[0].definition).daemonReload) !== 0) failed++;
    for (const { definition } of written) if (run(systemctlCommands(definition).load) !== 0) failed++;
  }
  return failed === 0 ? 0 : 1;
}

async function probeAll(options) {
  let failed = 0;
  for (const definition of serviceDefinitions(options)) {
    for (const probe of nodeProbes({ nodeId: options.nodeId }).filter((p) => p.service === definition.name)) {
      const result = await runProbe(probe, definition.probeBase, { timeoutMs: 3_000 });
      if (!result.ok) failed++;
      out(
        `${result.ok ? "ok  " : "FAIL"}  ${definition.name.padEnd(10)} GET ${definition.probeBase}${probe.path}  ${result.detail}`
      );
    }
  }
  return failed;
}

async function status(manager, options) {
  const managerKnown = hasTool(manager.tool);
  if (!managerKnown) err(`${manager.tool} not found: showing the HTTP probes only`);
  for (const definition of serviceDefinitions(options)) {
    const commands =
      options.manager === "launchd"
        ? launchctlCommands(definition, options.installDir, process.getuid())
        : systemctlCommands(definition);
    out(`== ${definition.name} (${options.manager === "launchd" ? definition.label : definition.unit})`);
    if (managerKnown) {
      const result = spawnSync(commands.status[0], commands.status.slice(1), { encoding: "utf8" });
      const keep = /^\s*(state|pid|last exit code|runs|Active|Main PID|Loaded)\b/i;
      const lines = `${result.stdout ?? ""}`.split("\n").filter((line) => keep.test(line));
      out(
        lines.length > 0
          ? lines.map((l) => `  ${l.trim()}`).join("\n")
          : `  not loaded (${(result.stderr ?? "").trim() || `exit ${result.status}`})`
      );
    }
  }
  const failed = await probeAll(options);
  return failed === 0 ? 0 : 1;
}

function restart(manager, options) {
  if (!requireTool(manager, options)) return 1;
  let failed = 0;
  for (const definition of serviceDefinitions(options)) {
    const command =
      options.manager === "launchd"
        ? launchctlCommands(definition, options.installDir, process.getuid()).restart
        : systemctlCommands(definition).restart;
    if (run(command) !== 0) failed++;
  }
  return failed === 0 ? 0 : 1;
}

async function reload(manager, options) {
  if (!requireTool(manager, options)) return 1;
  const written = renderInstallCopies(manager, options);
  prepareDirs(options);
  let failed = 0;
  if (options.manager === "launchd") {
    for (const { definition } of written) {
      const commands = launchctlCommands(definition, options.installDir, process.getuid());
      run(commands.unload, { quiet: true });
      if (bootstrap(commands.load) !== 0) failed++;
    }
  } else {
    run(systemctlCommands(written[0].definition).daemonReload);
    for (const { definition } of written) if (run(systemctlCommands(definition).restart) !== 0) failed++;
  }
  for (const { definition } of written) {
    const healthy = await waitHealthy(definition.probeBase, options.timeoutMs);
    out(
      `${healthy ? "ok  " : "FAIL"}  ${definition.name} ${definition.probeBase}/healthz ${healthy ? "answers" : `did not answer within ${options.timeoutMs} ms`}`
    );
    if (!healthy) failed++;
  }
  return failed === 0 ? 0 : 1;
}

function check(manager, options) {
  const all = new Map(allServiceDefinitions(options).map((d) => [d.name, d]));
  const readByName = new Map();
  let failed = 0;
  for (const definition of serviceDefinitions(options)) {
    const file = join(options.installDir, manager.fileName(definition));
    const problems = [];
    if (!existsSync(file)) {
      problems.push(
        `missing: render it with ./scripts/runtime/install-${options.manager}.sh --dry-run --install-dir ${options.installDir}`
      );
    } else {
      try {
        const read = manager.read(readFileSync(file, "utf8"));
        readByName.set(definition.name, read);
        problems.push(
          ...checkServiceFile(read, all.get(definition.name), {
            manager: options.manager,
            controlApiBase: options.controlApiBase
          })
        );
        problems.push(...nativeLint(options.manager, file));
      } catch (error) {
        problems.push(`not a valid ${options.manager === "launchd" ? "plist" : "unit"}: ${error.message}`);
      }
    }
    failed += problems.length;
    out(`${problems.length === 0 ? "ok  " : "FAIL"}  ${definition.name}  ${file}`);
    for (const problem of problems) out(`      - ${problem}`);
  }
  const setProblems = checkServiceSet(readByName);
  for (const problem of setProblems) out(`FAIL  ${problem}`);
  failed += setProblems.length;
  out(
    failed === 0
      ? `${readByName.size} ${options.manager} file(s) pass the static check`
      : `${failed} problem(s) found`
  );
  return failed === 0 ? 0 : 1;
}

// The platform's own validator, when this machine has it.
function nativeLint(managerName, file) {
  if (managerName === "launchd") {
    if (!hasTool("plutil")) return [];
    const result = spawnSync("plutil", ["-lint", file], { encoding: "utf8" });
    return result.status === 0 ? [] : [`plutil -lint: ${(result.stdout + result.stderr).trim()}`];
  }
  if (!hasTool("systemd-analyze")) return [];
  // Without a user session (CI, containers) verify --user needs a runtime dir of its own.
  const runtimeDir = process.env.XDG_RUNTIME_DIR || mkdtempSync(join(tmpdir(), "baa-systemd-verify-"));
  try {
    const result = spawnSync("systemd-analyze", ["verify", "--user", file], {
      encoding: "utf8",
      env: { ...process.env, XDG_RUNTIME_DIR: runtimeDir, SYSTEMD_LOG_COLOR: "0" }
    });
    // Ordering on sibling units that are not installed in this directory is not a fault of the file.
    const lines = `${result.stderr}`
      .split("\n")
      .filter(
        (line) => line.trim() !== "" && !/baa-[a-z-]+\.service.*not found|Unit .* not found/.test(line)
      );
    return result.status === 0 || lines.length === 0
      ? []
      : lines.map((line) => `systemd-analyze verify: ${line.trim()}`);
  } finally {
    if (!process.env.XDG_RUNTIME_DIR) rmSync(runtimeDir, { recursive: true, force: true });
  }
}

process.exitCode = await main(process.argv.slice(2));
