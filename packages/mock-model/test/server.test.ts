import assert from "node:assert/strict";
import { request } from "node:http";
import test from "node:test";

import { startMockModel, type MockModel } from "../src/index.js";
import { parseSse, responsesBody, send } from "./sse-client.js";

async function withModel(run: (model: MockModel) => Promise<void>): Promise<void> {
  const model = await startMockModel();
  try {
    await run(model);
  } finally {
    await model.close();
  }
}

test("text reply streams the five events codex needs, in order", () =>
  withModel(async (model) => {
    assert.match(model.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(model.baseUrl, `${model.url}/v1`);
    model.enqueue({ kind: "text", text: "Hello there" });
    const res = await send(model.url, "/v1/responses", responsesBody("hi"));
    assert.equal(res.status, 200);
    assert.equal(res.contentType, "text/event-stream");
    assert.deepEqual(
      res.events.map((e) => e.event),
      [
        "response.created",
        "response.output_item.added",
        "response.output_text.delta",
        "response.output_item.done",
        "response.completed"
      ]
    );
    for (const e of res.events) assert.equal(e.data.type, e.event);
    const [created, added, delta, done, completed] = res.events.map((e) => e.data);
    const itemId = added.item.id;
    assert.equal(added.item.type, "message");
    assert.equal(added.item.role, "assistant");
    assert.deepEqual(added.item.content, [{ type: "output_text", text: "" }]);
    assert.deepEqual(delta, {
      type: "response.output_text.delta",
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      delta: "Hello there"
    });
    assert.deepEqual(done.item, { ...added.item, content: [{ type: "output_text", text: "Hello there" }] });
    assert.equal(completed.response.id, created.response.id);
    assert.equal(
      completed.response.usage.total_tokens,
      completed.response.usage.input_tokens + completed.response.usage.output_tokens
    );
    assert.deepEqual(completed.response.usage.input_tokens_details, { cached_tokens: 0 });
  }));

test("chunked text arrives as N deltas that join to the text; ids differ per response", () =>
  withModel(async (model) => {
    model.enqueue(
      { kind: "text", text: "abcdefgh", chunks: 3, delayMsBetweenChunks: 5 },
      { kind: "text", text: "x" }
    );
    const first = await send(model.url, "/v1/responses", responsesBody("a"));
    const second = await send(model.url, "/v1/responses", responsesBody("b"));
    const deltas = first.events
      .filter((e) => e.event === "response.output_text.delta")
      .map((e) => e.data.delta);
    assert.equal(deltas.length, 3);
    assert.equal(deltas.join(""), "abcdefgh");
    const ids = (r: typeof first) => [r.events[0]?.data.response.id, r.events[1]?.data.item.id];
    assert.notDeepEqual(ids(first), ids(second));
    assert.notEqual(ids(first)[0], ids(second)[0]);
    assert.notEqual(ids(first)[1], ids(second)[1]);
  }));

test("tool_call reply is one function_call item with JSON-string arguments", () =>
  withModel(async (model) => {
    model.enqueue({ kind: "tool_call", arguments: { cmd: "echo hi", workdir: "/tmp" } });
    const res = await send(model.url, "/v1/responses", responsesBody("run it"));
    assert.deepEqual(
      res.events.map((e) => e.event),
      ["response.created", "response.output_item.added", "response.output_item.done", "response.completed"]
    );
    const item = res.events[2]?.data.item;
    assert.equal(item.type, "function_call");
    assert.equal(item.name, "exec_command");
    assert.match(item.call_id, /^call_/);
    assert.deepEqual(JSON.parse(item.arguments), { cmd: "echo hi", workdir: "/tmp" });
    assert.equal(res.events[1]?.data.item.call_id, item.call_id);

    model.enqueue({ kind: "tool_call", arguments: {}, callId: "call_fixed" });
    const again = await send(model.url, "/v1/responses", responsesBody("again"));
    assert.equal(again.events[2]?.data.item.call_id, "call_fixed");
  }));

test("other paths and methods get a 404 JSON error and are not recorded", () =>
  withModel(async (model) => {
    for (const [path, body] of [
      ["/v1/models", undefined],
      ["/v1/chat/completions", {}],
      ["/v1/responses", undefined]
    ] as const) {
      const res = await send(model.url, path, body);
      assert.equal(res.status, 404);
      assert.equal(res.contentType, "application/json");
      assert.equal(typeof JSON.parse(res.text).error.message, "string");
    }
    assert.equal(model.requests.length, 0);
  }));

test("queued replies go first, FIFO; then the default reply answers", () =>
  withModel(async (model) => {
    model.enqueue({ kind: "text", text: "one" }, { kind: "text", text: "two" });
    const texts: string[] = [];
    for (const prompt of ["a", "b", "c"]) {
      const res = await send(model.url, "/v1/responses", responsesBody("context", prompt));
      texts.push(res.events.find((e) => e.event === "response.output_item.done")?.data.item.content[0].text);
    }
    assert.deepEqual(texts, ["one", "two", "mock reply to: c"]);
    model.setDefaultReply((r) => ({ kind: "text", text: `seen ${r.userTexts.length}` }));
    const res = await send(model.url, "/v1/responses", responsesBody("x", "y"));
    assert.equal(res.events[3]?.data.item.content[0].text, "seen 2");
    assert.equal(model.requests.length, 4);
    assert.deepEqual(model.requests[2]?.userTexts, ["context", "c"]);
    assert.equal(model.requests[2]?.lastUserText, "c");
  }));

test("waitForRequest sees past and future requests and times out", () =>
  withModel(async (model) => {
    await send(model.url, "/v1/responses", responsesBody("early"));
    assert.equal((await model.waitForRequest((r) => r.lastUserText === "early")).lastUserText, "early");
    const later = model.waitForRequest((r) => r.lastUserText === "late");
    await send(model.url, "/v1/responses", responsesBody("late"));
    assert.equal((await later).path, "/v1/responses");
    await assert.rejects(
      model.waitForRequest((r) => r.lastUserText === "never", 20),
      /within 20 ms/
    );
  }));

test("close() ends a hanging stream and rejects pending waiters", async () => {
  const model = await startMockModel();
  model.enqueue({ kind: "hang" });
  const pending = assert.rejects(
    model.waitForRequest(() => false, 60_000),
    /closed/
  );
  let firstChunk!: () => void;
  const gotFirstChunk = new Promise<void>((resolve) => (firstChunk = resolve));
  const response = send(model.url, "/v1/responses", responsesBody("wait"), firstChunk);
  await gotFirstChunk;
  await model.close();
  const res = await response;
  assert.deepEqual(
    res.events.map((e) => e.event),
    ["response.created"]
  );
  await pending;
  await model.close();
  await assert.rejects(model.waitForRequest(), /closed/);
});

test("http_error and overloaded answer with JSON errors", () =>
  withModel(async (model) => {
    model.enqueue(
      { kind: "http_error", status: 400 },
      { kind: "http_error", status: 500, body: "plain" },
      { kind: "overloaded" }
    );
    const bad = await send(model.url, "/v1/responses", responsesBody("a"));
    assert.equal(bad.status, 400);
    assert.equal(typeof JSON.parse(bad.text).error.message, "string");
    const plain = await send(model.url, "/v1/responses", responsesBody("b"));
    assert.deepEqual([plain.status, plain.text], [500, "plain"]);
    const busy = await send(model.url, "/v1/responses", responsesBody("c"));
    assert.equal(busy.status, 503);
    assert.equal(JSON.parse(busy.text).error.code, "server_is_overloaded");
  }));

type SseEvent = ReturnType<typeof parseSse>[number];

/** POSTs `body` and follows the SSE answer as it comes: `until` waits for the events so far to match. */
function follow(url: string, body: object) {
  let events: SseEvent[] = [];
  let watchers: Array<() => void> = [];
  const done = new Promise<SseEvent[]>((resolve, reject) => {
    const req = request(`${url}/v1/responses`, { method: "POST" }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
        events = parseSse(text.slice(0, text.lastIndexOf("\n\n") + 2));
        for (const watch of watchers) watch();
      });
      res.on("end", () => resolve(events));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setHeader("content-type", "application/json");
    req.end(JSON.stringify(body));
  });
  return {
    done,
    /** The events so far. */
    now: () => events,
    until(match: (so: SseEvent[]) => boolean): Promise<void> {
      return new Promise((resolve) => {
        const watch = () => {
          if (!match(events)) return;
          watchers = watchers.filter((other) => other !== watch);
          resolve();
        };
        watchers.push(watch);
        watch();
      });
    }
  };
}

test("slow_text spreads several deltas over about totalMs", () =>
  withModel(async (model) => {
    // Five deltas, each 200 ms after the previous write. The plan's delays are checked in
    // reply-plan.test.ts; here, that the server waits them out: while a delta is due, a whole
    // other exchange with the model (a 404) is served and the stream has not moved on.
    model.enqueue({ kind: "slow_text", text: "slowly but surely", totalMs: 1_000 });
    const isDelta = (e: SseEvent) => e.event === "response.output_text.delta";
    const deltasSoFar = (so: SseEvent[]) => so.filter(isDelta).length;
    const reply = follow(model.url, responsesBody("go"));
    await reply.until((so) => so.some((e) => e.event === "response.output_item.added"));
    assert.equal((await send(model.url, "/v1/models")).status, 404);
    assert.equal(deltasSoFar(reply.now()), 0, "the first delta waits for its share of totalMs");
    await reply.until((so) => deltasSoFar(so) === 1);
    assert.equal((await send(model.url, "/v1/models")).status, 404);
    assert.equal(deltasSoFar(reply.now()), 1, "the next delta waits too");
    const events = await reply.done;
    const deltas = events.filter(isDelta);
    assert.ok(deltas.length > 1);
    assert.equal(deltas.map((e) => e.data.delta).join(""), "slowly but surely");
    assert.equal(events.at(-1)?.event, "response.completed");
  }));
