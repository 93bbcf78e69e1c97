// check-node.sh --node mini against a node this test starts the way systemd would: each service
// launched from its rendered unit (ExecStart, WorkingDirectory, Environment), codexd running the
// real codex binary against the mock model. Then one service is stopped and the check fails.
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startMockModel, writeCodexHome } from "@baa/mock-model";
import { eventually, makeTempDir } from "@baa/test-support";
import { readPlist } from "../../scripts/runtime/lib/launchd.mjs";
import { readUnit } from "../../scripts/runtime/lib/systemd.mjs";
import { freePort } from "../support/codexd-process.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const script = (name: string) => join(root, "scripts", "runtime", name);

async function runScript(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env
): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)("bash", [script(name), ...args], { cwd: root, env });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

interface Launched {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<unknown>;
}

/** Starts a service exactly as its unit (or plist) says, with only its environment (plus HOME). */
function launchFromUnit(name: string, unitFile: string): Launched {
  const text = readFileSync(unitFile, "utf8");
  const unit = unitFile.endsWith(".plist") ? readPlist(text) : readUnit(text);
  const [program, ...args] = unit.argv as string[];
  const child = spawn(program as string, args, {
    cwd: unit.workingDirectory,
    env: {
      ...unit.env,
      HOME: process.env.HOME ?? "/",
      BAA_CODEXD_LOG_LEVEL: "warn",
      BAA_CONDUCTOR_LOG_LEVEL: "warn"
    },
    stdio: ["ignore", "pipe", "pipe"]
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += String(chunk)));
  child.stderr?.on("data", (chunk) => (output += String(chunk)));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return { name, child, output: () => output, exited };
}

async function waitHealthy(base: string, launched: Launched): Promise<void> {
  // A refused fetch is "not listening yet".
  const state = await eventually(async () => {
    if (launched.child.exitCode !== null) return "exited";
    return (await fetch(`${base}/healthz`)).ok ? "healthy" : null;
  }, `${launched.name} to be healthy`).catch((error: Error) => {
    throw new Error(`${error.message}:\n${launched.output()}`);
  });
  if (state === "exited")
    throw new Error(`${launched.name} exited before it was healthy:\n${launched.output()}`);
}

/** The service's systemd unit, rendered (install-systemd.sh --dry-run) and checked (check-systemd.sh). */
async function renderAndCheckUnit(service: string, flags: string[]): Promise<void> {
  const rendered = await runScript("install-systemd.sh", ["--dry-run", "--service", service, ...flags]);
  assert.equal(rendered.code, 0, rendered.out);
  const checked = await runScript("check-systemd.sh", ["--service", service, ...flags]);
  assert.equal(checked.code, 0, checked.out);
}

type ScriptRun = Awaited<ReturnType<typeof runScript>>;

/** check-node.sh on the running node: all pass, the JSON agrees, the role and the node id can be required. */
function assertTheReadChecks(
  runs: { healthy: ScriptRun; json: ScriptRun; leader: ScriptRun; standby: ScriptRun; wrongNode: ScriptRun },
  services: string[],
  statusApiBuilt: boolean
): void {
  const { healthy, json, leader, standby, wrongNode } = runs;
  assert.equal(healthy.code, 0, healthy.out);
  assert.match(healthy.out, /^node mini \(mini-main\)$/m);
  assert.match(healthy.out, /ok {4}codexd {5}GET \S+\/v1\/codexd\/status\s+200 {2}child running/);
  assert.match(healthy.out, /ok {4}conductor {2}GET \S+\/rolez\s+200 {2}leader/);
  assert.match(healthy.out, /all \d+ probes passed/);
  if (statusApiBuilt) assert.match(healthy.out, /ok {4}status-api GET \S+\/v1\/status/);

  // JSON for scripts: the same verdict.
  assert.equal(json.code, 0, json.out);
  const report = JSON.parse(json.out) as {
    ok: boolean;
    nodeId: string;
    probes: { service: string; ok: boolean }[];
  };
  assert.equal(report.ok, true);
  assert.equal(report.nodeId, "mini-main");
  assert.deepEqual([...new Set(report.probes.map((p) => p.service))], services);

  // The role can be required: this node leads, so expecting a standby fails.
  assert.equal(leader.code, 0, leader.out);
  assert.equal(standby.code, 1, standby.out);
  assert.match(
    standby.out,
    /FAIL {2}conductor {2}GET \S+\/rolez\s+200 {2}role is "leader", expected standby/
  );

  // A node id other than the one the services report is a failure too.
  assert.equal(wrongNode.code, 1, wrongNode.out);
  assert.match(wrongNode.out, /nodeId is "mini-main", expected studio-main/);
}

interface NodeContext {
  dir: ReturnType<typeof makeTempDir>;
  /** Every service started, stopped in reverse at the end. */
  launched: Launched[];
  urls: Record<string, string>;
  /** The install scripts' flags for this node. */
  flags: string[];
  /** check-node.sh's flags naming the node and its services' URLs. */
  nodeFlags: string[];
  serviceFlags: string[];
}

/** check-node.sh on the running node, each read-only check at once, then their verdicts. */
async function phaseReadChecks(
  { urls, nodeFlags, serviceFlags }: NodeContext,
  services: string[],
  statusApiBuilt: boolean
) {
  // The checks below only read the running node: they run at once.
  const [healthy, json, leader, standby, wrongNode] = await Promise.all([
    runScript("check-node.sh", [...nodeFlags, ...serviceFlags]),
    runScript("check-node.sh", [...nodeFlags, ...serviceFlags, "--json"]),
    runScript("check-node.sh", [...nodeFlags, "--service", "conductor", "--expect-role", "leader"]),
    runScript("check-node.sh", [...nodeFlags, "--service", "conductor", "--expect-role", "standby"]),
    runScript("check-node.sh", [
      "--node",
      "studio",
      "--codexd-url",
      urls.codexd as string,
      "--service",
      "codexd"
    ])
  ]);
  assertTheReadChecks({ healthy, json, leader, standby, wrongNode }, services, statusApiBuilt);
}

/** Stop the conductor: its probes fail by name, the others still pass, exit 1. */
async function phaseConductorDown({ launched, nodeFlags, serviceFlags }: NodeContext): Promise<void> {
  const conductor = launched.find((l) => l.name === "conductor") as Launched;
  conductor.child.kill("SIGTERM");
  await conductor.exited;
  const down = await runScript("check-node.sh", [...nodeFlags, ...serviceFlags]);
  assert.equal(down.code, 1, down.out);
  assert.match(
    down.out,
    /FAIL {2}conductor {2}GET \S+\/healthz\s+--- {2}connection refused at http:\/\/127\.0\.0\.1:\d+: is conductor running\?/
  );
  assert.match(down.out, /ok {4}codexd {5}GET \S+\/healthz/);
  assert.match(down.out, /probes failed \(conductor\)/);
}

/** The conductor again, this time as its launchd agent says: the node is whole again. */
async function phaseLaunchdAgain({
  dir,
  launched,
  urls,
  flags,
  nodeFlags,
  serviceFlags
}: NodeContext): Promise<void> {
  const agents = dir.path("agents");
  const plist = await runScript("install-launchd.sh", [
    "--dry-run",
    "--service",
    "conductor",
    ...flags,
    "--install-dir",
    agents
  ]);
  assert.equal(plist.code, 0, plist.out);
  const again = launchFromUnit("conductor", join(agents, "so.makefile.baa-conductor.plist"));
  launched.push(again);
  await waitHealthy(urls.conductor as string, again);
  const back = await runScript("check-node.sh", [...nodeFlags, ...serviceFlags]);
  assert.equal(back.code, 0, back.out);
}

test("check-node.sh --node mini passes against a running node and fails clearly when a service stops", async () => {
  const dir = makeTempDir("baa-check-node-");
  const model = await startMockModel();
  const launched: Launched[] = [];
  try {
    const codexHome = dir.path("codex-home");
    writeCodexHome(codexHome, model.baseUrl);
    const statusApiBuilt = existsSync(join(root, "apps/status-api/dist/main.js"));
    const services = statusApiBuilt ? ["codexd", "conductor", "status-api"] : ["codexd", "conductor"];
    const [codexdPort, conductorPort, statusPort] = [await freePort(), await freePort(), await freePort()];
    const urls = {
      codexd: `http://127.0.0.1:${codexdPort}`,
      conductor: `http://127.0.0.1:${conductorPort}`,
      "status-api": `http://127.0.0.1:${statusPort}`
    } as Record<string, string>;
    const installDir = dir.path("units");
    const flags = [
      "--node",
      "mini",
      "--prefix",
      dir.path("node"),
      "--install-dir",
      installDir,
      "--codex-home",
      codexHome,
      "--codexd-local-api-base",
      urls.codexd as string,
      "--conductor-local-api",
      urls.conductor as string,
      "--status-api-local-api",
      urls["status-api"] as string
    ];
    // Each service's unit is rendered and checked, and then launched, independently: all at once.
    await Promise.all(services.map((service) => renderAndCheckUnit(service, flags)));
    const starting = services.map((service) =>
      launchFromUnit(service, join(installDir, `baa-${service}.service`))
    );
    launched.push(...starting);
    await Promise.all(starting.map((one) => waitHealthy(urls[one.name] as string, one)));

    const nodeFlags = [
      "--node",
      "mini",
      "--codexd-url",
      urls.codexd as string,
      "--conductor-url",
      urls.conductor as string,
      "--status-api-url",
      urls["status-api"] as string
    ];
    const serviceFlags = statusApiBuilt ? [] : services.flatMap((s) => ["--service", s]);
    const ctx: NodeContext = { dir, launched, urls, flags, nodeFlags, serviceFlags };
    await phaseReadChecks(ctx, services, statusApiBuilt);

    await phaseConductorDown(ctx);

    await phaseLaunchdAgain(ctx);
  } finally {
    for (const one of launched.reverse()) {
      if (one.child.exitCode === null && one.child.signalCode === null) {
        one.child.kill("SIGTERM");
        await one.exited;
      }
    }
    await model.close();
    dir.remove();
  }
});
