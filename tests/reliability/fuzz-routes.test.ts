import assert from "node:assert/strict";
import { Agent, request as httpRequest } from "node:http";
import test from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import WebSocket from "ws";
import { CODEX_ROUTES } from "../../apps/conductor-daemon/dist/index.js";
import { StatusApiRuntime } from "../../apps/status-api/dist/index.js";
import { eventually, getJson, postJson } from "../support/http.js";
import { E2E_TOKEN, startRealStack, type RealStack } from "../support/real-stack.js";
import { documented503Codes, documentedRoutes, type FuzzRoute, type Service } from "./support/fuzz-routes.js";
import { envInt, reliabilitySeed, reportFigures } from "./support/reliability-env.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
/** A stack frame ("at fn (file:line:col)") or an absolute path of this checkout or the test's temp dir. */
const LEAK = (tempRoot: string) => new RegExp(`\\bat [^\\n]*:\\d+:\\d+|${escapeRegExp(REPO_ROOT)}|${escapeRegExp(tempRoot)}|node_modules/`);
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Routes that restart or stop things cost a child restart per case: fuzzed, but rarely. */
const COSTLY = /\/child\/restart$/;
/**
 * Routes without input of their own that read codexd's whole status (sessions, recent events)
 * cost the most and have the least to validate: fewer cases than the routes that take bodies,
 * path parameters or frames.
 */
const STATUS_READS = /^(\/readyz|\/v1\/codex|\/v1\/codex\/status|\/v1\/codexd\/status|\/v1\/status|\/v1\/status\/stream|\/metrics|\/openapi\.json|\/|\/assets\/.*)$/;

interface Case {
  route: FuzzRoute;
  params: string[];
  query: [string, string][];
  headers: [string, string][];
  body: { kind: "none" } | { kind: "json"; value: unknown } | { kind: "raw"; text: string; type: string };
  frames: string[];
  /** Sent again once on a fresh connection after a kept-alive socket was reset. */
  retried?: boolean;
  agentless?: boolean;
}

const headerName = fc.constantFrom("x-fuzz", "accept", "content-type", "origin", "host", "authorization", "idempotency-key", "x-request-id", "last-event-id", "sec-fetch-site");
const headerValue = fc.oneof(
  fc.string({ unit: fc.constantFrom(..."abcXYZ019 -_.:/;=,*\"'%@"), maxLength: 60 }),
  fc.constantFrom("application/json", "text/plain", "application/json; charset=utf-16", "*/*", "Bearer x", `Bearer ${E2E_TOKEN}`, "null", "http://evil.example", "")
);
const fuzzString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.constantFrom("..", "%2e%2e", "%00", "%", "%zz", "a/b", "session-", "task-", "run-", "approval-", "-1", "0", "1e309", "NaN", "true", "null", "[]", "{}", " ", "\u0000", "\ud800", "x".repeat(5000))
);
const jsonBody = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 5,
    arbitrary: fc.dictionary(
      fc.constantFrom("sessionId", "input", "prompt", "turnId", "decision", "purpose", "cwd", "model", "title", "priority", "maxAttempts", "timeoutMs", "dependsOn", "notBefore", "reason", "workspace", "approvalPolicy", "sandbox", "__proto__", "constructor"),
      fc.oneof(fc.jsonValue({ maxDepth: 2 }), fuzzString),
      { maxKeys: 5 }
    )
  }
);
const body: fc.Arbitrary<Case["body"]> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
  { weight: 6, arbitrary: jsonBody.map((value) => ({ kind: "json" as const, value })) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("raw" as const),
      text: fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom("{", "{\"a\":", "[1,2", "\u0000\u0001", "{\"__proto__\":{\"x\":1}}", "1".repeat(70_000))),
      type: fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1")
    })
  }
);

function caseArbitrary(routes: FuzzRoute[], known: string[]): fc.Arbitrary<Case> {
  const weighted = routes.map((route) => ({ weight: COSTLY.test(route.path) ? 1 : STATUS_READS.test(route.path) ? 8 : 40, arbitrary: fc.constant(route) }));
  return fc.record({
    route: fc.oneof(...weighted),
    params: fc.array(fc.oneof(fuzzString, fc.constantFrom(...known)), { minLength: 2, maxLength: 2 }),
    query: fc.array(fc.tuple(fc.oneof(fc.constantFrom("after", "sessionId", "turnId", "type", "limit", "state", "taskId", "since", "until", "cursor"), fuzzString), fuzzString), { maxLength: 4 }),
    headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 3 }),
    body,
    frames: fc.array(fc.oneof(fc.string({ maxLength: 100 }), jsonBody.map((v) => JSON.stringify(v))), { maxLength: 3 })
  });
}

function pathOf(c: Case): string {
  let i = 0;
  const path = c.route.path.replace(/:[a-z_]+/g, () => encodeURIComponent(c.params[i++ % c.params.length] ?? ""));
  const query = c.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  return query === "" ? path : `${path}?${query}`;
}

interface Outcome {
  status: number;
  text: string;
  skipped?: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

function sendHttp(base: string, c: Case): Promise<Outcome> {
  const url = new URL(base);
  const headers: Record<string, string> = {};
  for (const [name, value] of c.headers) headers[name] = value;
  let payload: string | undefined;
  if (c.body.kind === "json" && c.route.method !== "GET") {
    payload = JSON.stringify(c.body.value) ?? "null";
    headers["content-type"] ??= "application/json";
  } else if (c.body.kind === "raw" && c.route.method !== "GET") {
    payload = c.body.text;
    headers["content-type"] = c.body.type;
  }
  return new Promise((resolve, reject) => {
    let req: ReturnType<typeof httpRequest>;
    try {
      req = httpRequest({ host: url.hostname, port: url.port, method: c.route.method, path: pathOf(c), headers, agent: c.agentless ? false : agent }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        // An event stream (status-api's SSE) never ends: its first bytes are enough.
        const stream = /^text\/event-stream/.test(String(res.headers["content-type"]));
        const cut = setTimeout(() => res.destroy(), 5_000);
        res.on("data", (chunk) => {
          text += chunk;
          if (stream) res.destroy();
        });
        res.on("close", () => {
          clearTimeout(cut);
          resolve({ status: res.statusCode ?? 0, text });
        });
      });
    } catch (error) {
      // Node refused the request before sending it (an invalid header character or path).
      resolve({ status: 0, text: "", skipped: (error as NodeJS.ErrnoException).code ?? "client" });
      return;
    }
    // A child restart answers once the new child is up and every session resumed: on a loaded
    // 2-core machine that is tens of seconds, not a hang.
    const answerMs = COSTLY.test(c.route.path) ? 90_000 : 15_000;
    req.setTimeout(answerMs, () => req.destroy(new Error(`no answer within ${answerMs / 1000} s to ${c.route.method} ${pathOf(c)}`)));
    req.on("error", (error) => {
      // A kept-alive socket the server closed as idle just as the request went out (the race
      // every keep-alive client has): sent again once on a fresh connection, as HTTP clients
      // do. A server that drops the request itself fails again there and is reported.
      if (req.reusedSocket && (error as NodeJS.ErrnoException).code === "ECONNRESET" && !c.retried) {
        sendHttp(base, { ...c, retried: true, agentless: true }).then(resolve, reject);
        return;
      }
      reject(error);
    });
    req.end(payload);
  });
}

function sendWs(base: string, c: Case): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of c.headers) if (name !== "host") headers[name] = value;
    let socket: WebSocket;
    try {
      socket = new WebSocket(`${base.replace(/^http/, "ws")}${pathOf(c)}`, { headers });
    } catch (error) {
      resolve({ status: 0, text: "", skipped: (error as Error).name });
      return;
    }
    let settled = false;
    const done = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    socket.on("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => {
        done({ status: res.statusCode ?? 0, text });
        socket.terminate();
      });
    });
    socket.on("open", () => {
      for (const frame of c.frames) socket.send(frame);
      socket.close(1000);
    });
    socket.on("close", (code, reason) => done({ status: code === 1011 ? 500 : 101, text: String(reason) }));
    socket.on("error", (error) => {
      if (!settled && !/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

interface FuzzRun {
  samples: Case[];
  next: number;
  total: number;
  bases: Record<Service, string>;
  allowed503: Set<string>;
  leak: RegExp;
  perService: Record<Service, number>;
  byStatus: Record<string, number>;
  timing: Record<string, number>;
  failures: string[];
  skipped: number;
  budgetEnds: number;
}

const sentOf = (run: FuzzRun) => run.perService.conductor + run.perService.codexd + run.perService["status-api"];

/** Sends cases until they run out, enough were sent, or the budget is spent; records what came back. */
async function fuzzWorker(run: FuzzRun): Promise<void> {
  // Cases node's client refuses to send (an invalid header character) do not count.
  while (run.next < run.samples.length && sentOf(run) < run.total && Date.now() < run.budgetEnds) {
    const c = run.samples[run.next++]!;
    const base = run.bases[c.route.service];
    let outcome: Outcome;
    const t0 = Date.now();
    try {
      outcome = c.route.method === "WS" ? await sendWs(base, c) : await sendHttp(base, c);
    } catch (error) {
      run.failures.push(`${c.route.service} ${c.route.method} ${pathOf(c).slice(0, 200)}: ${(error as Error).message}`);
      continue;
    }
    if (outcome.skipped !== undefined) {
      run.skipped++;
      continue;
    }
    run.perService[c.route.service]++;
    const key = `${c.route.service} ${c.route.method} ${c.route.path}`;
    run.timing[key] = (run.timing[key] ?? 0) + (Date.now() - t0);
    run.byStatus[outcome.status] = (run.byStatus[outcome.status] ?? 0) + 1;
    checkOutcome(run, c, outcome);
  }
}

/** A 5xx other than a documented 503 code, or a stack or path in an error body, is a failure. */
function checkOutcome(run: FuzzRun, c: Case, outcome: Outcome): void {
  const what = `${c.route.service} ${c.route.method} ${pathOf(c).slice(0, 200)} ${JSON.stringify(c.body).slice(0, 200)} -> ${outcome.status} ${outcome.text.slice(0, 300)}`;
  if (outcome.status >= 500) {
    let code: string | undefined;
    try {
      code = JSON.parse(outcome.text)?.error?.code;
    } catch {
      code = undefined;
    }
    if (!(outcome.status === 503 && code !== undefined && run.allowed503.has(code))) run.failures.push(`undocumented ${outcome.status}: ${what}`);
  }
  if (outcome.status >= 400 && run.leak.test(outcome.text)) run.failures.push(`stack or path in body: ${what}`);
}

/** Afterwards every service answers normally: a new session runs a turn to completion. */
async function answersNormallyAfter(stack: RealStack, bases: Record<Service, string>, statusBase: string): Promise<void> {
  for (const base of Object.values(bases)) assert.equal((await getJson(`${base}/healthz`)).status, 200);
  // The fuzz may have filled the session limit: close what it opened (answered normally too).
  for (const s of (await getJson(`${stack.codexdBase}/v1/codexd/sessions`)).body.data.sessions as { sessionId: string; status: string }[]) {
    if (s.status !== "active") continue;
    const closed = await postJson(`${stack.codexdBase}/v1/codexd/sessions/${s.sessionId}/close`, {});
    assert.ok(closed.status === 200 || closed.status === 409, `closing ${s.sessionId}: ${closed.status} ${closed.text}`);
  }
  const after = (await postJson(`${stack.conductorBase}/v1/codex/sessions`, { purpose: "after fuzz" })).body;
  assert.ok(after?.ok, JSON.stringify(after));
  stack.model.enqueue({ kind: "text", text: "still fine" });
  const turn = await postJson(`${stack.conductorBase}/v1/codex/turn`, { sessionId: after.data.session.sessionId, input: "after the fuzz" });
  assert.equal(turn.status, 202, turn.text);
  await eventually(async () => {
    const s = (await getJson(`${stack.codexdBase}/v1/codexd/sessions/${after.data.session.sessionId}`)).body.data.session;
    return s.lastTurnStatus === "completed" ? s : null;
  }, "a turn after the fuzz", 30_000);
  assert.equal((await getJson(`${statusBase}/v1/status`)).status, 200);
}

/**
 * One step of the stop, timed and bounded: a stop that hangs (seen for the in-process conductor
 * after fuzzing on a heavily loaded machine) fails this test by name instead of holding the suite.
 */
async function boundedStep(name: string, run: () => Promise<unknown>, steps: Record<string, number>): Promise<void> {
  const at = Date.now();
  console.log(`reliability: fuzz-routes stopping ${name}`);
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<"hung">((resolve) => (timer = setTimeout(() => resolve("hung"), 30_000)));
  const outcome = await Promise.race([run(), hung]);
  clearTimeout(timer);
  if (outcome === "hung") {
    console.log(`reliability: fuzz-routes: ${name} did not stop within 30 s`);
    // The hung server keeps this process alive: end it so the runner reports the failure.
    setTimeout(() => process.exit(1), 1_000).unref();
    throw new Error(`${name} did not stop within 30 s after the fuzz`);
  }
  steps[name] = Date.now() - at;
}

test("fuzzing every route of codexd, the conductor and status-api: no crash, no undocumented 5xx, no stack or path in a body, all answer normally after", async () => {
  const seed = reliabilitySeed();
  const total = envInt("BAA_RELIABILITY_FUZZ_CASES", 10_000);
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  // Answers are checked, not their speed: long upstream bounds, so a loaded machine does not
  // turn slow answers into 504s.
  // A low session limit: past it a valid create is a quick 429, not one more real thread.
  const stack = await startRealStack({ codexd: { maxSessions: 24 }, conductor: { codexdConnectTimeoutMs: 30_000, proxyTimeoutMs: 60_000 } });
  const statusApi = new StatusApiRuntime({ localApiBase: "http://127.0.0.1:0", conductorBase: stack.conductorBase, codexdBase: stack.codexdBase, sharedToken: E2E_TOKEN, sourceTimeoutMs: 30_000 });
  const started = Date.now();
  try {
    const statusBase = await statusApi.start();
    const bases: Record<Service, string> = { conductor: stack.conductorBase, codexd: stack.codexdBase, "status-api": statusBase };
    const session = (await postJson(`${stack.codexdBase}/v1/codexd/sessions`, { purpose: "fuzz" })).body.data.session.sessionId as string;
    const task = (await postJson(`${stack.conductorBase}/v1/tasks`, { prompt: "fuzz", cwd: stack.dir.path("repo") })).body?.data?.task?.taskId ?? "task-none";
    const routes = documentedRoutes(CODEX_ROUTES);
    const samples = fc.sample(caseArbitrary(routes, [session, task]), { numRuns: Math.ceil(total * 1.2), seed });
    const run: FuzzRun = {
      samples,
      next: 0,
      total,
      bases,
      allowed503: documented503Codes(),
      leak: LEAK(stack.dir.root),
      perService: { conductor: 0, codexd: 0, "status-api": 0 },
      byStatus: {},
      timing: {},
      failures: [],
      skipped: 0,
      // Inside the runner's per-file limit even on a machine other suites load heavily: past the
      // budget the run stops, says so, and must still have sent a quarter of its cases.
      budgetEnds: Date.now() + envInt("BAA_RELIABILITY_FUZZ_BUDGET_MS", 100_000)
    };
    const { perService, byStatus, timing, failures } = run;
    const sent = () => sentOf(run);
    await Promise.all(Array.from({ length: 8 }, () => fuzzWorker(run)));
    const fuzzSeconds = Math.round((Date.now() - started) / 100) / 10;

    await answersNormallyAfter(stack, bases, statusBase);

    reportFigures("fuzz-routes", {
      seed,
      cases: total,
      budgetSpent: sent() < total,
      sent: sent(),
      skippedByClient: run.skipped,
      routes: routes.length,
      perService,
      byStatus,
      crashes: crashes.length,
      failures: failures.length,
      slowestRoutesMs: Object.entries(timing).sort((a, b) => b[1] - a[1]).slice(0, 8),
      fuzzSeconds,
      seconds: Math.round((Date.now() - started) / 100) / 10
    });
    assert.deepEqual(crashes, [], "no uncaught exception or unhandled rejection");
    if (sent() < total) console.log(`reliability: fuzz-routes stopped at ${sent()} of ${total} cases: time budget spent (a loaded machine)`);
    assert.ok(sent() >= total / 4, `only ${sent()} of ${total} cases sent within the budget`);
    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} failing cases (seed ${seed}; replay with BAA_RELIABILITY_SEED=${seed})`);
  } finally {
    const stopping = Date.now();
    process.off("unhandledRejection", onCrash);
    agent.destroy();
    // Each step timed: a stop that hangs is named (it would otherwise only show as the runner's timeout).
    const steps: Record<string, number> = {};
    const step = (name: string, run: () => Promise<unknown>) => boundedStep(name, run, steps);
    await step("status-api", () => statusApi.stop());
    await step("conductor", () => stack.conductor.stop());
    await step("codexd", () => stack.codexd.stop());
    await step("rest", () => stack.stop());
    console.log(`reliability: fuzz-routes stopped its services in ${Date.now() - stopping} ms ${JSON.stringify(steps)}`);
    process.off("uncaughtException", onCrash);
  }
});
