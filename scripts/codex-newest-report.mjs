#!/usr/bin/env node
// Runs codexd's end-to-end core (tests/codexd) against the newest published @openai/codex, as a
// report: it never fails (exit 0 whatever happens), so a new codex release cannot block landing,
// but a break shows early in CI's output. The pinned version is what the suite itself runs on.
// Usage: node scripts/codex-newest-report.mjs [--version X.Y.Z]   (default: npm's `latest`)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const say = (line) => console.log(`[codex-report] ${line}`);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function requestedVersion() {
  const at = process.argv.indexOf("--version");
  if (at !== -1 && process.argv[at + 1]) return process.argv[at + 1];
  return execFileSync(npm, ["view", "@openai/codex", "version"], {
    encoding: "utf8",
    timeout: 60_000
  }).trim();
}

function main() {
  const pinned = JSON.parse(readFileSync(join(root, "packages/codex-binary/package.json"), "utf8"))
    .dependencies["@openai/codex"];
  let version;
  try {
    version = requestedVersion();
  } catch (error) {
    say(`could not ask the npm registry for the newest codex (${error.message.split("\n")[0]}); no report`);
    return;
  }
  if (version === pinned) {
    say(`the pinned codex ${pinned} is the newest published; the suite above ran on it`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "baa-codex-newest-"));
  try {
    say(`pinned ${pinned}, newest ${version}: installing ${version} beside the pinned one`);
    execFileSync(
      npm,
      ["install", "--prefix", dir, "--no-save", "--no-audit", "--no-fund", `@openai/codex@${version}`],
      {
        stdio: ["ignore", "ignore", "inherit"],
        timeout: 300_000
      }
    );
    const reported = execFileSync(join(dir, "node_modules/.bin/codex"), ["--version"], {
      encoding: "utf8"
    }).trim();
    say(`installed: ${reported}`);
    const started = Date.now();
    const run = spawnSync(process.execPath, [join(root, "scripts/run-tests.mjs"), "tests/codexd/"], {
      cwd: root,
      env: { ...process.env, BAA_CODEX_PACKAGE_DIR: join(dir, "node_modules/@openai/codex") },
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      timeout: 900_000
    });
    const out = `${run.stdout ?? ""}${run.stderr ?? ""}`;
    const count = (name) => out.match(new RegExp(`^# ${name} (\\d+)$`, "m"))?.[1] ?? "?";
    const failed = out.split("\n").filter((line) => /^not ok \d+ /.test(line));
    for (const line of failed) say(`  ${line}`);
    say(
      `codex ${version} against tests/codexd: ${count("pass")} passed, ${count("fail")} failed ` +
        `(exit ${run.status ?? run.signal}, ${Math.round((Date.now() - started) / 1000)} s)` +
        (run.status === 0 ? "" : " — a newer codex breaks something: see the lines above")
    );
  } catch (error) {
    say(`the report could not run: ${error.message.split("\n")[0]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
