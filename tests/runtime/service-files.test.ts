// The launchd plists and systemd units rendered by install-*.sh --dry-run pass check-*.sh, and
// the check refuses damaged ones, naming what is wrong. Needs a build (the check looks for dist/).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { makeTempDir } from "@baa/test-support";

const root = fileURLToPath(new URL("../..", import.meta.url));
const script = (name: string) => join(root, "scripts", "runtime", name);
const run = async (name: string, args: string[]): Promise<{ code: number; out: string }> => {
  try {
    const { stdout, stderr } = await promisify(execFile)("bash", [script(name), ...args], { cwd: root });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
};

// status-api is checked once it is built; the check refuses a file whose main.js is missing.
const statusApiBuilt = existsSync(join(root, "apps/status-api/dist/main.js"));
const services = statusApiBuilt ? ["codexd", "conductor", "status-api"] : ["codexd", "conductor"];
const serviceArgs = statusApiBuilt ? ["--service", "all"] : [];

async function renderAll(manager: "launchd" | "systemd", installDir: string, extra: string[]): Promise<void> {
  const targets = statusApiBuilt ? [serviceArgs] : services.map((s) => ["--service", s]);
  for (const target of targets) {
    const result = await run(`install-${manager}.sh`, [
      "--dry-run",
      "--install-dir",
      installDir,
      ...target,
      ...extra
    ]);
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /dry run: nothing loaded/);
  }
}

async function checkAll(
  manager: "launchd" | "systemd",
  installDir: string,
  extra: string[]
): Promise<{ code: number; out: string }> {
  if (statusApiBuilt) return run(`check-${manager}.sh`, ["--install-dir", installDir, ...extra]);
  let code = 0;
  let out = "";
  for (const service of services) {
    const result = await run(`check-${manager}.sh`, [
      "--install-dir",
      installDir,
      "--service",
      service,
      ...extra
    ]);
    code = Math.max(code, result.code);
    out += result.out;
  }
  return { code, out };
}

/** A damaged codexd file (moved off loopback, another child, torn) fails the check naming the fault. */
async function phaseDamagedCodexd(
  manager: "launchd" | "systemd",
  installDir: string,
  flags: string[],
  codexdFile: string
) {
  // codexd moved off loopback and away from where the conductor reaches it.
  const original = readFileSync(codexdFile, "utf8");
  writeFileSync(codexdFile, original.replace("http://127.0.0.1:4319", "http://0.0.0.0:4319"));
  const moved = await run(`check-${manager}.sh`, ["--install-dir", installDir, ...serviceArgs, ...flags]);
  assert.equal(moved.code, 1, moved.out);
  assert.match(moved.out, /FAIL\s+codexd/);
  assert.match(moved.out, /must be http:\/\/ on a loopback host/);
  if (statusApiBuilt)
    assert.match(
      moved.out,
      /conductor reaches codexd at http:\/\/127\.0\.0\.1:4319, but codexd listens on http:\/\/0\.0\.0\.0:4319/
    );

  // The app-server child swapped for something else, and the event path changed.
  writeFileSync(
    codexdFile,
    original
      .replace(">app-server<", ">exec<")
      .replace('=app-server"', '=exec"')
      .replace("/v1/codexd/events", "/events")
  );
  const child = await run(`check-${manager}.sh`, [
    "--install-dir",
    installDir,
    "--service",
    "codexd",
    ...flags
  ]);
  assert.equal(child.code, 1, child.out);
  assert.match(child.out, /the child must be `codex app-server`/);
  assert.match(child.out, /BAA_CODEXD_EVENT_STREAM_PATH is "\/events", expected "\/v1\/codexd\/events"/);

  // Not a plist / unit at all.
  writeFileSync(codexdFile, original.slice(0, Math.floor(original.length / 2)));
  const torn = await run(`check-${manager}.sh`, [
    "--install-dir",
    installDir,
    "--service",
    "codexd",
    ...flags
  ]);
  assert.equal(torn.code, 1, torn.out);
  assert.match(
    torn.out,
    manager === "launchd"
      ? /not a valid plist|program arguments/
      : /not a valid unit|program arguments|systemd-analyze verify/
  );
}

for (const manager of ["launchd", "systemd"] as const) {
  test(`${manager}: rendered files pass check-${manager}.sh; damaged ones fail naming the fault`, async () => {
    const dir = makeTempDir(`baa-${manager}-`);
    try {
      const installDir = dir.path("install");
      const flags = [
        "--prefix",
        dir.path("node"),
        "--control-api-base",
        "https://control.example.test",
        "--node",
        "mini"
      ];
      await renderAll(manager, installDir, flags);
      const fileOf = (service: string) =>
        join(
          installDir,
          manager === "launchd" ? `so.makefile.baa-${service}.plist` : `baa-${service}.service`
        );
      for (const service of services) assert.ok(existsSync(fileOf(service)), `${service} rendered`);

      // The checks that only read the rendered files run at once (each is a few process starts).
      const [good, otherBase, elsewhere] = await Promise.all([
        checkAll(manager, installDir, flags),
        run(`check-${manager}.sh`, [
          "--install-dir",
          installDir,
          "--service",
          "conductor",
          ...flags,
          "--control-api-base",
          "https://elsewhere.test"
        ]),
        run(`check-${manager}.sh`, ["--install-dir", dir.path("empty"), "--service", "codexd", ...flags])
      ]);
      assert.equal(good.code, 0, good.out);
      assert.match(good.out, /pass the static check/);
      assert.doesNotMatch(good.out, /FAIL/);

      // A different --control-api-base than the one rendered: the compatibility variable is checked.
      assert.equal(otherBase.code, 1, otherBase.out);
      assert.match(
        otherBase.out,
        /BAA_CONTROL_API_BASE is "https:\/\/control\.example\.test", expected "https:\/\/elsewhere\.test"/
      );

      await phaseDamagedCodexd(manager, installDir, flags, fileOf("codexd"));

      // A missing file says how to render it.
      assert.equal(elsewhere.code, 1);
      assert.match(
        elsewhere.out,
        new RegExp(`missing: render it with ./scripts/runtime/install-${manager}.sh --dry-run`)
      );
    } finally {
      dir.remove();
    }
  });
}

test("install/restart/reload say clearly when the service manager is absent, and flags are checked", async () => {
  const bad = await run("install-launchd.sh", ["--service", "nope", "--dry-run"]);
  assert.equal(bad.code, 2);
  assert.match(bad.out, /--service must be codexd, conductor, status-api or all \(got nope\)/);
  const offLoopback = await run("install-systemd.sh", [
    "--dry-run",
    "--codexd-local-api-base",
    "http://0.0.0.0:4319"
  ]);
  assert.equal(offLoopback.code, 2);
  assert.match(offLoopback.out, /must name a loopback host/);
  if (process.platform !== "darwin") {
    const restart = await run("restart-launchd.sh", ["--service", "codexd"]);
    assert.equal(restart.code, 1);
    assert.match(restart.out, /launchctl not found: launchd runs on macOS/);
  }
});
