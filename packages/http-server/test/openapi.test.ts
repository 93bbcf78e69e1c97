import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import test from "node:test";
import Fastify from "fastify";
import { z } from "zod";
import { installErrorHandling } from "@baa/api-errors";
import { installOpenApi, websocketSchema, zodRoutes } from "../src/index.js";

function app(access: { checked: string[] } = { checked: [] }) {
  const server = Fastify();
  installErrorHandling(server);
  installOpenApi(server, {
    title: "sample",
    version: "1.2.3",
    description: "a sample",
    extraOperations: [
      {
        method: "POST",
        path: "/v1/proxy/items/{item_id}",
        operationId: "forwardItem",
        summary: "forwarded",
        websocket: false
      }
    ],
    bearer: {
      description: "the sample's token",
      isOpen: (method, path) => {
        access.checked.push(`${method} ${path}`);
        return path === "/stream";
      }
    }
  });
  void server.register(async (scope) => {
    const routes = zodRoutes(scope);
    routes.get(
      "/items/:item_id",
      {
        schema: {
          operationId: "getItem",
          summary: "an item",
          params: z.object({ item_id: z.string().min(2) }),
          querystring: z.object({ full: z.enum(["yes", "no"]).optional() })
        }
      },
      async (request) => ({
        ok: true,
        data: { id: request.params.item_id, full: request.query.full ?? null }
      })
    );
    const streamSchema = {
      operationId: "streamThings",
      summary: "a stream",
      ...websocketSchema("live things")
    };
    routes.get("/stream", { schema: streamSchema }, async () => ({ ok: true }));
    routes.all("/hidden/*", { schema: { hide: true } }, async () => ({ ok: true }));
    routes.get("/health", { schema: { operationId: "getHealth", summary: "health" } }, async () => ({
      ok: true
    }));
  });
  return server;
}

test("the document lists the routes with their zod schemas, the marked stream, the extra operations, and nothing hidden", async () => {
  const server = app();
  const doc = (await server.inject({ url: "/openapi.json" })).json();
  assert.equal(doc.openapi, "3.0.3");
  assert.equal(doc.info.title, "sample");
  assert.equal(doc.info.version, "1.2.3");
  assert.match(doc.info.license.name, /UNLICENSED/);
  assert.match(doc.info.license.url, /^https:\/\//);
  assert.deepEqual(
    doc.servers.map((server: { url: string }) => server.url),
    ["/"]
  );
  assert.equal(doc.paths["/items/{item_id}"].get.operationId, "getItem");
  assert.equal(doc.paths["/v1/proxy/items/{item_id}"].post.operationId, "forwardItem");
  const item = doc.paths["/items/{item_id}"].get;
  assert.deepEqual(
    item.parameters.map((p: { in: string; name: string; required?: boolean }) => [
      p.in,
      p.name,
      p.required === true
    ]),
    [
      ["query", "full", false],
      ["path", "item_id", true]
    ]
  );
  assert.equal(doc.paths["/stream"].get["x-websocket"], true);
  assert.match(doc.paths["/stream"].get.description, /^WebSocket/);
  assert.deepEqual(doc.paths["/v1/proxy/items/{item_id}"].post.parameters, [
    { name: "item_id", in: "path", required: true, schema: { type: "string" } }
  ]);
  assert.ok(!Object.keys(doc.paths).some((path) => path.startsWith("/hidden")));
  assert.ok(
    doc.paths["/openapi.json"] && doc.paths["/health"],
    "the document lists itself and a plain route"
  );
});

test("the bearer scheme is declared and required by every operation but the open ones", async () => {
  const doc = (await app().inject({ url: "/openapi.json" })).json();
  const bearerAuth = { type: "http", scheme: "bearer", description: "the sample's token" };
  assert.deepEqual(doc.components.securitySchemes, { bearerAuth });
  assert.deepEqual(doc.paths["/items/{item_id}"].get.security, [{ bearerAuth: [] }]);
  const forwarded = doc.paths["/v1/proxy/items/{item_id}"].post;
  assert.deepEqual(forwarded.security, [{ bearerAuth: [] }], "operations added by hand too");
  assert.deepEqual(doc.paths["/stream"].get.security, [], "an open operation says it needs nothing");
  assert.equal(doc.security, undefined);
});

test("without a bearer scheme the document says no operation takes credentials", async () => {
  const server = Fastify();
  installOpenApi(server, { title: "loopback", version: "1", description: "trusts its peers" });
  const doc = (await server.inject({ url: "/openapi.json" })).json();
  assert.deepEqual(doc.security, []);
  assert.equal(doc.components.securitySchemes, undefined);
  assert.equal(doc.paths["/openapi.json"].get.operationId, "getOpenApiDocument");
});

test("the document is built on its first request, once, and served the same after", async () => {
  const access = { checked: [] as string[] };
  const server = app(access);
  await server.ready();
  assert.deepEqual(access.checked, [], "nothing is built at start");
  const read = () => server.inject({ url: "/openapi.json" });
  const [first, second] = await Promise.all([read(), read()]);
  const built = access.checked.length;
  assert.ok(built >= 4, `one check per operation (${built})`);
  assert.equal(new Set(access.checked).size, built, "built once for two requests at the same time");
  const third = await read();
  assert.equal(access.checked.length, built, "the third request is served from memory");
  assert.equal(first.body, second.body);
  assert.equal(first.body, third.body);
  assert.match(String(third.headers["content-type"]), /^application\/json/);
});

test("a service's start does not load @fastify/swagger; the first request for the document does", () => {
  // In a process of its own, with the built package: what a service loads is all it loads.
  const dist = new URL("../dist/index.js", import.meta.url).href;
  const script = `
    import { createRequire } from "node:module";
    import Fastify from "fastify";
    import { installOpenApi } from ${JSON.stringify(dist)};
    const cache = createRequire(import.meta.url).cache;
    const loaded = () => Object.keys(cache).some((file) => file.includes("@fastify/swagger"));
    const app = Fastify();
    installOpenApi(app, { title: "t", version: "1", description: "d" });
    await app.ready();
    const atStart = loaded();
    const reply = await app.inject({ url: "/openapi.json" });
    console.log(JSON.stringify({ atStart, afterRequest: loaded(), status: reply.statusCode }));
    await app.close();
  `;
  const cwd = fileURLToPath(new URL("..", import.meta.url));
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd,
    encoding: "utf8"
  });
  assert.deepEqual(JSON.parse(out), { atStart: false, afterRequest: true, status: 200 });
});

test("validation failures are the shared 400", async () => {
  const server = app();
  const bad = await server.inject({ url: "/items/x" });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(bad.json(), {
    ok: false,
    error: {
      code: "validation_failed",
      message: "invalid path: item_id: Too small: expected string to have >=2 characters"
    }
  });
  assert.deepEqual((await server.inject({ url: "/items/abc?full=yes" })).json(), {
    ok: true,
    data: { id: "abc", full: "yes" }
  });
});
