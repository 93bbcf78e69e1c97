// The bundles `pnpm run build` makes (scripts/bundle.mjs, docs/runtime/bundle.md): codexd and the
// conductor started from them (BAA_BUNDLE=require: fail rather than fall back to the modules)
// serve a real turn, codex app-server against the mock model, through the conductor's proxy.
// That a stale bundle is not used is tested on the chooser itself
// (packages/bundle-chooser/test/bundle-chooser.test.ts).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startMockModel, writeCodexHome } from "@baa/mock-model";
import { makeTempDir } from "@baa/test-support";
import { freePort, startCodexdProcess } from "../support/codexd-process.js";
import { startConductorProcess } from "../support/conductor-process.js";
import { eventually, getJson, postJson } from "../support/http.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
/** The conductor's bearer token (at least 32 characters); loopback calls need none. */
const TOKEN = "bundle-e2e-token-0123456789abcdef0123";

async function runTurn(base: string, prefix: string, input: string): Promise<void> {
  const session = await postJson(`${base}${prefix}/sessions`, {});
  assert.equal(session.status, 201, session.text);
  const sessionId = session.body.data.session.sessionId;
  const turn = await postJson(`${base}${prefix}/turn`, { sessionId, input });
  assert.equal(turn.status, 202, turn.text);
  await eventually(async () => {
    const s = (await getJson(`${base}${prefix}/sessions/${sessionId}`)).body?.data?.session;
    return s?.lastTurnStatus === "completed" && s.lastTurnId === turn.body.data.turnId ? true : null;
  }, `turn ${input}`);
}

test("codexd and the conductor started from their bundles serve a real turn", async (t) => {
  // Made here, so the test does not depend on which build ran last in this checkout.
  const built = await promisify(execFile)(process.execPath, ["scripts/bundle.mjs"], { cwd: root });
  assert.match(built.stdout, /apps\/codexd\/dist\/bundle-start\.js/);
  assert.match(built.stdout, /apps\/conductor-daemon\/dist\/bundle-start\.js/);

  const dir = makeTempDir("baa-bundle-e2e-");
  t.after(() => dir.remove());
  const model = await startMockModel();
  t.after(() => model.close());
  writeCodexHome(dir.path("codex-home"), model.baseUrl);

  const codexd = await startCodexdProcess({
    port: await freePort(),
    env: { CODEX_HOME: dir.path("codex-home"), BAA_REPO_ROOT: dir.root, BAA_BUNDLE: "require" }
  });
  t.after(() => codexd.kill("SIGTERM"));
  const conductor = await startConductorProcess({
    port: await freePort(),
    env: {
      BAA_BUNDLE: "require",
      BAA_CONDUCTOR_LOG_LEVEL: "warn",
      BAA_CODEXD_LOCAL_API_BASE: codexd.base,
      BAA_REPO_ROOT: dir.root,
      BAA_STATE_DIR: dir.path("conductor-state"),
      BAA_RUNS_DIR: dir.path("runs"),
      BAA_LOGS_DIR: dir.path("conductor-logs"),
      BAA_SHARED_TOKEN: TOKEN
    }
  });
  t.after(() => conductor.kill("SIGTERM"));

  await runTurn(codexd.base, "/v1/codexd", "straight to codexd");
  await runTurn(conductor.base, "/v1/codex", "through the conductor");

  // Read relative to the code at run time: the conductor's version comes from its package.json.
  const version = (
    JSON.parse(readFileSync(`${root}/apps/conductor-daemon/package.json`, "utf8")) as { version: string }
  ).version;
  const document = await getJson(`${conductor.base}/openapi.json`);
  assert.equal(document.status, 200);
  assert.equal(document.body.info.version, version);
  const codexdDocument = await getJson(`${codexd.base}/openapi.json`);
  assert.equal(codexdDocument.status, 200);
  assert.ok(Object.keys(codexdDocument.body.paths).includes("/v1/codexd/turn"));

  assert.equal(await codexd.kill("SIGTERM").then((exit) => exit.code), 0, codexd.output());
  assert.equal(await conductor.kill("SIGTERM").then((exit) => exit.code), 0, conductor.output());

  // codexd's bundle is one CommonJS file run with a V8 code cache, written when the process
  // exits; the next start runs from it (a cache V8 rejected would be compiled over and rewritten).
  const dist = `${root}/apps/codexd/dist`;
  const main = readdirSync(dist).find((name) => /^bundle-main-\w+\.cjs$/.test(name));
  assert.ok(main !== undefined, "codexd's bundle is one CommonJS file");
  assert.ok(existsSync(`${dist}/${main}.v8cache`), "the first start left a code cache");
  const again = await startCodexdProcess({
    port: await freePort(),
    env: { CODEX_HOME: dir.path("codex-home"), BAA_REPO_ROOT: dir.root, BAA_BUNDLE: "require" }
  });
  t.after(() => again.kill("SIGTERM"));
  await runTurn(again.base, "/v1/codexd", "from the code cache");
  assert.equal(await again.kill("SIGTERM").then((exit) => exit.code), 0, again.output());
});

test("BAA_BUNDLE=off runs the modules; a value it does not know is refused before anything runs", async () => {
  const main = `${root}/apps/codexd/dist/main.js`;
  const refused = await promisify(execFile)(process.execPath, [main, "config"], {
    env: { ...process.env, BAA_BUNDLE: "always" }
  }).then(
    () => assert.fail("codexd ran with BAA_BUNDLE=always"),
    (error: { code?: number; stderr?: string }) => error
  );
  assert.equal(refused.code, 2);
  assert.match(refused.stderr ?? "", /BAA_BUNDLE must be auto, off or require/);
  const modules = await promisify(execFile)(process.execPath, [main, "config"], {
    env: { ...process.env, BAA_BUNDLE: "off" }
  });
  assert.match(modules.stdout, /"nodeId"/);
});
