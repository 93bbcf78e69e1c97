// One fuzz run (tests/reliability/fuzz-routes.test.ts): workers that send the sampled cases
// until they run out, enough were sent or the time budget is spent, and the check of each answer.
import { pathOf, type Case } from "./fuzz-cases.js";
import { sendHttp, sendWs, type Outcome } from "./fuzz-send.js";
import type { Service } from "./fuzz-routes.js";

export interface FuzzRun {
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

export const sentOf = (run: FuzzRun) =>
  run.perService.conductor + run.perService.codexd + run.perService["status-api"];

/** Sends cases until they run out, enough were sent, or the budget is spent; records what came back. */
export async function fuzzWorker(run: FuzzRun): Promise<void> {
  // Cases node's client refuses to send (an invalid header character) do not count.
  while (run.next < run.samples.length && sentOf(run) < run.total && Date.now() < run.budgetEnds) {
    const c = run.samples[run.next++]!;
    const base = run.bases[c.route.service];
    let outcome: Outcome;
    const t0 = Date.now();
    try {
      outcome = c.route.method === "WS" ? await sendWs(base, c) : await sendHttp(base, c);
    } catch (error) {
      run.failures.push(
        `${c.route.service} ${c.route.method} ${pathOf(c).slice(0, 200)}: ${(error as Error).message}`
      );
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
    if (!(outcome.status === 503 && code !== undefined && run.allowed503.has(code)))
      run.failures.push(`undocumented ${outcome.status}: ${what}`);
  }
  if (outcome.status >= 400 && run.leak.test(outcome.text))
    run.failures.push(`stack or path in body: ${what}`);
}
