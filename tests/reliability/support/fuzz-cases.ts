// The fuzz cases for tests/reliability/fuzz-routes.test.ts: what a case is (a documented route
// with fuzzed path parameters, query, headers, body and WebSocket frames), how routes are
// weighted, and the path a case is sent to.
import fc from "fast-check";
import { E2E_TOKEN } from "../../support/real-stack.js";
import type { FuzzRoute } from "./fuzz-routes.js";

/** Routes that restart or stop things cost a child restart per case: fuzzed, but rarely. */
export const COSTLY = /\/child\/restart$/;
/**
 * Routes without input of their own that read codexd's whole status (sessions, recent events)
 * cost the most and have the least to validate: fewer cases than the routes that take bodies,
 * path parameters or frames.
 */
const STATUS_READS =
  /^(\/readyz|\/v1\/codex|\/v1\/codex\/status|\/v1\/codexd\/status|\/v1\/status|\/v1\/status\/stream|\/metrics|\/openapi\.json|\/|\/assets\/.*)$/;

export interface Case {
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

const headerName = fc.constantFrom(
  "x-fuzz",
  "accept",
  "content-type",
  "origin",
  "host",
  "authorization",
  "idempotency-key",
  "x-request-id",
  "last-event-id",
  "sec-fetch-site"
);
const headerValue = fc.oneof(
  fc.string({ unit: fc.constantFrom(..."abcXYZ019 -_.:/;=,*\"'%@"), maxLength: 60 }),
  fc.constantFrom(
    "application/json",
    "text/plain",
    "application/json; charset=utf-16",
    "*/*",
    "Bearer x",
    `Bearer ${E2E_TOKEN}`,
    "null",
    "http://evil.example",
    ""
  )
);
const fuzzString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.constantFrom(
    "..",
    "%2e%2e",
    "%00",
    "%",
    "%zz",
    "a/b",
    "session-",
    "task-",
    "run-",
    "approval-",
    "-1",
    "0",
    "1e309",
    "NaN",
    "true",
    "null",
    "[]",
    "{}",
    " ",
    "\u0000",
    "\ud800",
    "x".repeat(5000)
  )
);
const jsonBody = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 5,
    arbitrary: fc.dictionary(
      fc.constantFrom(
        "sessionId",
        "input",
        "prompt",
        "turnId",
        "decision",
        "purpose",
        "cwd",
        "model",
        "title",
        "priority",
        "maxAttempts",
        "timeoutMs",
        "dependsOn",
        "notBefore",
        "reason",
        "workspace",
        "approvalPolicy",
        "sandbox",
        "__proto__",
        "constructor"
      ),
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
      text: fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.constantFrom("{", '{"a":', "[1,2", "\u0000\u0001", '{"__proto__":{"x":1}}', "1".repeat(70_000))
      ),
      type: fc.constantFrom(
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin1"
      )
    })
  }
);

export function caseArbitrary(routes: FuzzRoute[], known: string[]): fc.Arbitrary<Case> {
  const weighted = routes.map((route) => ({
    weight: COSTLY.test(route.path) ? 1 : STATUS_READS.test(route.path) ? 8 : 40,
    arbitrary: fc.constant(route)
  }));
  return fc.record({
    route: fc.oneof(...weighted),
    params: fc.array(fc.oneof(fuzzString, fc.constantFrom(...known)), { minLength: 2, maxLength: 2 }),
    query: fc.array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(
            "after",
            "sessionId",
            "turnId",
            "type",
            "limit",
            "state",
            "taskId",
            "since",
            "until",
            "cursor"
          ),
          fuzzString
        ),
        fuzzString
      ),
      { maxLength: 4 }
    ),
    headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 3 }),
    body,
    frames: fc.array(
      fc.oneof(
        fc.string({ maxLength: 100 }),
        jsonBody.map((v) => JSON.stringify(v))
      ),
      { maxLength: 3 }
    )
  });
}

export function pathOf(c: Case): string {
  let i = 0;
  const path = c.route.path.replace(/:[a-z_]+/g, () =>
    encodeURIComponent(c.params[i++ % c.params.length] ?? "")
  );
  const query = c.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  return query === "" ? path : `${path}?${query}`;
}
