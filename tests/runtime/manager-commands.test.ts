// install/status/restart/reload of both managers with fake `launchctl` and `systemctl` on PATH
// (they record their arguments) and a loopback fake of a service's /healthz: the commands each
// script issues, and reload's wait for /healthz, both ways.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { makeTempDir } from "@baa/test-support";

const root = fileURLToPath(new URL("../..", import.meta.url));

async function runScript(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv
): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      "bash",
      [join(root, "scripts", "runtime", name), ...args],
      { cwd: root, env }
    );
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

function fakeTool(bin: string, name: string, log: string, statusText: string): void {
  const path = join(bin, name);
  writeFileSync(
    path,
    `#!/usr/bin/env bash\necho "${name} $*" >> "${log}"\ncase "$*" in *print*|*status*) printf '%s\\n' "${statusText}" ;; esac\nexit 0\n`
  );
  chmodSync(path, 0o755);
}

async function fakeHealth(): Promise<{ base: string; server: Server }> {
  const server = createServer((request, response) => {
    const body =
      request.url === "/healthz"
        ? { ok: true, data: { status: "ok", service: "codexd", nodeId: "mini-main" } }
        : { ok: false, error: { code: "route_not_found", message: "no" } };
    response
      .writeHead(request.url === "/healthz" ? 200 : 404, { "content-type": "application/json" })
      .end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

interface ManagerContext {
  dir: ReturnType<typeof makeTempDir>;
  health: { base: string; server: Server };
  /** Where the fake systemctl and launchctl record their arguments. */
  log: string;
  env: NodeJS.ProcessEnv;
  /** The fake tools' calls so far. */
  calls: () => string[];
  uid: number;
  flags: string[];
}

/** systemd: install enables the unit, reload restarts it and waits for /healthz, status shows both. */
async function phaseSystemd({ dir, health, log, env, calls, flags }: ManagerContext): Promise<void> {
  const installed = await runScript(
    "install-systemd.sh",
    [...flags, "--install-dir", dir.path("units")],
    env
  );
  assert.equal(installed.code, 0, installed.out);
  assert.deepEqual(calls(), [
    "systemctl --user daemon-reload",
    "systemctl --user enable --now baa-codexd.service"
  ]);
  assert.ok(
    existsSync(dir.path("node", "state", "codexd")) && existsSync(dir.path("node", "logs", "systemd")),
    "state and log dirs made"
  );

  writeFileSync(log, "");
  const reloaded = await runScript("reload-systemd.sh", [...flags, "--install-dir", dir.path("units")], env);
  assert.equal(reloaded.code, 0, reloaded.out);
  assert.deepEqual(calls(), [
    "systemctl --user daemon-reload",
    "systemctl --user restart baa-codexd.service"
  ]);
  assert.match(reloaded.out, new RegExp(`ok {4}codexd ${health.base}/healthz answers`));

  const status = await runScript("status-systemd.sh", [...flags, "--install-dir", dir.path("units")], env);
  assert.match(status.out, /== codexd \(baa-codexd\.service\)\n {2}Active: active \(running\)/);
  assert.match(status.out, /ok {4}codexd {5}GET \S+\/healthz {2}codexd mini-main/);
  assert.match(status.out, /FAIL {2}codexd {5}GET \S+\/v1\/codexd\/status {2}route_not_found/);
  assert.equal(status.code, 1, "a failing probe makes status fail");
}

/** launchd: install and restart boot the agent out and in; a service that does not come back fails reload. */
async function phaseLaunchd({ dir, health, log, env, calls, uid, flags }: ManagerContext): Promise<void> {
  writeFileSync(log, "");
  const agents = dir.path("agents");
  assert.equal((await runScript("install-launchd.sh", [...flags, "--install-dir", agents], env)).code, 0);
  assert.equal((await runScript("restart-launchd.sh", [...flags, "--install-dir", agents], env)).code, 0);
  assert.deepEqual(calls(), [
    `launchctl bootout gui/${uid}/so.makefile.baa-codexd`,
    `launchctl bootstrap gui/${uid} ${join(agents, "so.makefile.baa-codexd.plist")}`,
    `launchctl kickstart -k gui/${uid}/so.makefile.baa-codexd`
  ]);
  const launchdStatus = await runScript("status-launchd.sh", [...flags, "--install-dir", agents], env);
  assert.match(
    launchdStatus.out,
    /== codexd \(so\.makefile\.baa-codexd\)\n {2}state = running\n {2}pid = 4242/
  );

  // The service does not come back: reload says which one and exits 1.
  await new Promise<void>((resolve) => health.server.close(() => resolve()));
  const stuck = await runScript(
    "reload-launchd.sh",
    [...flags.slice(0, -1), "1000", "--install-dir", agents],
    env
  );
  assert.equal(stuck.code, 1, stuck.out);
  assert.match(stuck.out, new RegExp(`FAIL {2}codexd ${health.base}/healthz did not answer within 1000 ms`));
}

test("service-manager scripts issue the right commands; reload waits for /healthz and says when it does not come", async () => {
  const dir = makeTempDir("baa-managers-");
  const health = await fakeHealth();
  try {
    const bin = dir.path("bin");
    mkdirSync(bin);
    const log = dir.path("calls.log");
    writeFileSync(log, "");
    fakeTool(bin, "systemctl", log, "     Active: active (running) since today");
    fakeTool(bin, "launchctl", log, "\tstate = running\n\tpid = 4242");
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    const calls = () => readFileSync(log, "utf8").trim().split("\n");
    const uid = process.getuid?.() ?? 0;
    const flags = [
      "--service",
      "codexd",
      "--prefix",
      dir.path("node"),
      "--codexd-local-api-base",
      health.base,
      "--timeout-ms",
      "5000"
    ];

    const ctx: ManagerContext = { dir, health, log, env, calls, uid, flags };
    await phaseSystemd(ctx);

    await phaseLaunchd(ctx);
  } finally {
    health.server.close();
    dir.remove();
  }
});
