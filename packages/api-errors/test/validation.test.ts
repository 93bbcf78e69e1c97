import assert from "node:assert/strict";
import test from "node:test";
import Fastify from "fastify";
import { z } from "zod";
import { installErrorHandling, zodValidatorCompiler } from "../src/index.js";

function app() {
  const server = Fastify();
  installErrorHandling(server);
  server.setValidatorCompiler(zodValidatorCompiler);
  const schema = {
    params: z.object({ id: z.string().regex(/^[a-z]+$/, "letters only") }),
    querystring: z.object({ limit: z.coerce.number().int().max(10).default(5) }),
    body: z
      .strictObject({ name: z.string().min(1), tags: z.array(z.string()).optional() })
      .default({ name: "anonymous" })
  };
  server.post("/things/:id", { schema }, async (request) => ({
    ok: true,
    data: { params: request.params, query: request.query, body: request.body }
  }));
  return server;
}

test("a route's zod schema validates: the parsed values reach the handler, defaults applied", async () => {
  const server = app();
  const reply = await server.inject({
    method: "POST",
    url: "/things/abc?limit=3",
    payload: { name: "n", tags: ["a"] }
  });
  assert.equal(reply.statusCode, 200, reply.body);
  assert.deepEqual(reply.json().data, {
    params: { id: "abc" },
    query: { limit: 3 },
    body: { name: "n", tags: ["a"] }
  });
  const noBody = await server.inject({ method: "POST", url: "/things/abc" });
  assert.equal(noBody.statusCode, 200, noBody.body);
  assert.deepEqual(noBody.json().data.body, { name: "anonymous" }, "no body is the schema's default");
  assert.equal(noBody.json().data.query.limit, 5);
});

test("a failure is the shared 400 validation_failed naming the part and the field", async () => {
  const server = app();
  const cases: [string, unknown, RegExp][] = [
    ["/things/ABC", { name: "n" }, /^invalid path: id: letters only$/],
    ["/things/abc?limit=50", { name: "n" }, /^invalid query: limit: Too big/],
    ["/things/abc", { name: "" }, /^invalid body: name: Too small/],
    ["/things/abc", { name: "n", tags: [1] }, /^invalid body: tags\.0: /],
    ["/things/abc", { name: "n", extra: true }, /^invalid body: body: Unrecognized key: "extra"$/]
  ];
  for (const [url, payload, message] of cases) {
    const reply = await server.inject({ method: "POST", url, payload: payload as object });
    assert.equal(reply.statusCode, 400, url);
    assert.deepEqual(Object.keys(reply.json()), ["ok", "error"]);
    assert.equal(reply.json().error.code, "validation_failed", url);
    assert.match(reply.json().error.message, message, url);
  }
});

test("a failure of Fastify's own validator (JSON schema, Ajv) takes the same shape", async () => {
  const server = Fastify();
  installErrorHandling(server);
  server.get(
    "/ajv",
    { schema: { querystring: { type: "object", properties: { n: { type: "integer" } } } } },
    async () => ({ ok: true })
  );
  const reply = await server.inject({ url: "/ajv?n=abc" });
  assert.equal(reply.statusCode, 400);
  assert.deepEqual(reply.json(), {
    ok: false,
    error: { code: "validation_failed", message: "invalid query: n: must be integer" }
  });
});
