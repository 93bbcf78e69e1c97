// GET /openapi.json of each service is valid OpenAPI 3.0 and lists every route of the service's
// real route table (WebSocket routes marked), every operation named, summarized and with its
// security stated as the service enforces it; request validation through the same schemas
// answers the shared 400. Needs a build (imports dist/). scripts/lint-openapi.mjs lints the
// same documents with Redocly's recommended rules.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CODEX_ROUTES } from "../../apps/conductor-daemon/dist/index.js";
import {
  assertListsEveryRoute,
  assertValidOpenApi3,
  type OpenApiDocument,
  openApiPath
} from "../support/openapi-check.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";
import { buildServiceApps, type ServiceApp } from "../support/route-tables.js";

let apps: ServiceApp[] = [];
let close: () => Promise<void> = async () => {};

before(async () => {
  ({ apps, close } = await buildServiceApps());
});
after(() => close());

const appOf = (service: ServiceApp["service"]): ServiceApp => {
  const found = apps.find((each) => each.service === service);
  assert.ok(found, `${service} built`);
  return found;
};

/** One operation of a served document. */
type OpenApiOperation = OpenApiDocument["paths"][string][string];

// The proxy's wildcard is hidden; the codex routes it serves are documented one by one instead.
const PROXIED = CODEX_ROUTES.filter(
  (route) => route.method !== "WS" && route.path !== "/v1/codex" && route.path !== "/v1/codex/events"
);

for (const service of ["codexd", "conductor", "status-api"] as const) {
  test(`${service}: /openapi.json is valid OpenAPI 3 and lists every route`, async () => {
    const { app, routes, host } = appOf(service);
    const reply = await app.inject({ url: "/openapi.json", headers: { host } });
    assert.equal(reply.statusCode, 200, reply.body);
    const doc: unknown = reply.json();
    assertValidOpenApi3(doc);
    assert.ok(routes.length >= 8, `found ${service}'s routes`);
    assert.ok(
      routes.some((route) => route.url === "/metrics") &&
        routes.some((route) => route.url === "/openapi.json")
    );
    assertListsEveryRoute(doc, routes, service === "conductor" ? PROXIED : []);
  });
}

test("the check refuses operations without operationId, summary or security, or with one id twice", async () => {
  const { app, host } = appOf("conductor");
  const served = (await app.inject({ url: "/openapi.json", headers: { host } })).json();
  const broken = (change: (doc: OpenApiDocument) => void): OpenApiDocument => {
    const doc = structuredClone(served) as OpenApiDocument;
    change(doc);
    return doc;
  };
  const refused = (doc: OpenApiDocument, problem: RegExp) =>
    assert.throws(
      () => assertValidOpenApi3(doc),
      (error: Error) => problem.test(error.message)
    );
  const tasks = (doc: OpenApiDocument, method: "get" | "post"): OpenApiOperation => {
    const operation = doc.paths["/v1/tasks"]?.[method];
    assert.ok(operation, `${method.toUpperCase()} /v1/tasks documented`);
    return operation;
  };
  refused(
    broken((doc) => delete tasks(doc, "post").operationId),
    /POST \/v1\/tasks: operationId undefined/
  );
  const renamed = (method: "get" | "post", id: string) => (doc: OpenApiDocument) => {
    tasks(doc, method).operationId = id;
  };
  refused(broken(renamed("post", "Create_task")), /"Create_task" is not camelCase/);
  refused(broken(renamed("get", "createTask")), /operationId createTask repeated/);
  refused(
    broken((doc) => delete tasks(doc, "post").summary),
    /POST \/v1\/tasks: no summary/
  );
  refused(
    broken((doc) => delete tasks(doc, "post").security),
    /POST \/v1\/tasks: security not stated/
  );
  refused(
    broken((doc) => delete doc.components?.securitySchemes),
    /names bearerAuth, not in components/
  );
  refused(
    broken((doc) => delete doc.info.license),
    /info\.license/
  );
  refused(
    broken((doc) => delete doc.servers),
    /servers missing/
  );
});

test("codexd: no operation takes credentials (loopback only), and the document says so", async () => {
  const { app, host } = appOf("codexd");
  const doc = (await app.inject({ url: "/openapi.json", headers: { host } })).json();
  assert.deepEqual(doc.security, []);
  assert.equal(doc.components.securitySchemes, undefined);
  for (const [path, item] of Object.entries<Record<string, { security?: unknown }>>(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      assert.equal(operation.security, undefined, `${method} ${path}`);
    }
  }
});

// An untrusted peer (a loopback one behind a proxy header) without the token: the operations the
// document secures answer 401, the ones it leaves open do not.
for (const service of ["conductor", "status-api"] as const) {
  test(`${service}: the bearer scheme is declared; each operation's security is what is enforced`, async () => {
    const { app, host } = appOf(service);
    const doc = (await app.inject({ url: "/openapi.json", headers: { host } })).json();
    const { type, scheme, description } = doc.components.securitySchemes.bearerAuth;
    assert.deepEqual([type, scheme], ["http", "bearer"]);
    assert.match(description, /BAA_SHARED_TOKEN/);
    const secured: string[] = [];
    const open: string[] = [];
    for (const [path, item] of Object.entries<Record<string, { security?: unknown }>>(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const url = path.replace(/\{[^}]+\}/g, "x1");
        const headers = { host, "x-forwarded-for": "203.0.113.9" };
        const reply = await app.inject({ method: method.toUpperCase() as "GET", url, headers });
        const key = `${method.toUpperCase()} ${path}`;
        if (JSON.stringify(operation.security) === JSON.stringify([{ bearerAuth: [] }])) {
          secured.push(key);
          assert.equal(reply.statusCode, 401, `${key} is documented as needing the token`);
        } else {
          open.push(key);
          assert.deepEqual(operation.security, [], `${key}: the bearer scheme or nothing`);
          assert.notEqual(reply.statusCode, 401, `${key} is documented as open`);
        }
      }
    }
    const securedV1 = secured.filter((key) => key.includes(" /v1/"));
    assert.ok(securedV1.length >= 10, `the /v1 operations need the token (${securedV1.length})`);
    assert.ok(
      open.every((key) => !key.includes(" /v1/")),
      `no /v1 operation is open: ${open.join(", ")}`
    );
  });
}

test("codexd: the document holds the request schemas the routes validate with", async () => {
  const { app, host } = appOf("codexd");
  const doc = (await app.inject({ url: "/openapi.json", headers: { host } })).json();
  const turn = doc.paths["/v1/codexd/turn"].post;
  assert.equal(
    turn.responses["4XX"].content["application/json"].schema.$ref,
    "#/components/schemas/Error",
    "failures documented as the shared envelope"
  );
  assert.deepEqual(doc.components.schemas.Error.required, ["ok", "error"]);
  assert.deepEqual(turn.requestBody.content["application/json"].schema.required, ["sessionId", "input"]);
  const events = doc.paths["/v1/codexd/events"].get;
  assert.equal(events["x-websocket"], true);
  assert.ok(
    events.parameters.some((p: { name: string; in: string }) => p.name === "after" && p.in === "query")
  );
  const bad = await app.inject({
    method: "POST",
    url: "/v1/codexd/turn",
    headers: { host },
    payload: { sessionId: "s", input: "" }
  });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, "validation_failed");
  assert.match(bad.json().error.message, /^invalid body: input: /);
});

test("conductor: every proxied codex route is documented as a pass-through, the stream as WebSocket", async () => {
  const { app, host } = appOf("conductor");
  const doc = (await app.inject({ url: "/openapi.json", headers: { host } })).json();
  for (const route of CODEX_ROUTES) {
    const method = route.method === "WS" ? "get" : route.method.toLowerCase();
    const operation = doc.paths[openApiPath(route.path)]?.[method];
    assert.ok(operation, `${route.method} ${route.path} documented`);
    if (route.method === "WS") assert.equal(operation["x-websocket"], true);
  }
  assert.match(doc.paths["/v1/codex/turn"].post.description, /Pass-through/);
  assert.deepEqual(doc.paths["/v1/tasks"].post.requestBody.content["application/json"].schema.required, [
    "title",
    "prompt"
  ]);
  const bad = await app.inject({
    method: "POST",
    url: "/v1/tasks",
    headers: { host },
    payload: { title: "t", prompt: "p", priority: 1.5 }
  });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(Object.keys(bad.json()), ["ok", "error"]);
  assert.match(bad.json().error.message, /^invalid body: priority: /);
});

test("status-api: a bad action body is the shared 400 naming the field", async () => {
  const { app, host } = appOf("status-api");
  const bad = await app.inject({
    method: "POST",
    url: "/v1/system/pause",
    headers: { host },
    payload: { reason: 5 }
  });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, "validation_failed");
  assert.match(bad.json().error.message, /^invalid body: reason: /);
});

for (const service of ["codexd", "conductor", "status-api"] as const) {
  test(`${service}: /metrics is Prometheus text and counts requests by route pattern and status`, async () => {
    const { app, host } = appOf(service);
    await app.inject({ url: "/healthz", headers: { host } });
    await app.inject({ url: "/no/such/route/42", headers: { host } });
    const reply = await app.inject({ url: "/metrics", headers: { host } });
    assert.equal(reply.statusCode, 200);
    assert.match(String(reply.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
    const samples = parsePrometheusText(reply.body);
    const prefix = service === "status-api" ? "status_api_" : `${service}_`;
    assert.ok(
      sampleValue(samples, `${prefix}http_requests_total`, {
        route: "/healthz",
        status: "200",
        method: "GET"
      }) >= 1
    );
    assert.ok(
      sampleValue(samples, `${prefix}http_requests_total`, { route: "unmatched", status: "404" }) >= 1,
      "an unknown URL is counted as unmatched, not by its path"
    );
    assert.ok(!reply.body.includes("/no/such/route/42"), "raw URLs never become labels");
  });
}
