// Must-show 4 of issue 17: a receiver that answers 500 twice then 200 gets the notification of a
// task that succeeded (real codex against the mock model) delivered once: three attempts, one
// delivery id, each signed with BAA_NOTIFY_SECRET over the exact body.
import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import test from "node:test";
import { startCluster } from "../support/conductor-cluster.js";
import { eventually, getJson } from "../support/http.js";

const SECRET = "notify-secret-for-the-test";

/** The check a receiver makes (docs/runtime/notifications.md). */
function signatureValid(body: string, header: string | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`);
  const given = Buffer.from(header ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

test("a receiver failing twice then accepting: delivered once, signature valid, one delivery id", {
  timeout: 180_000
}, async () => {
  const received: { headers: IncomingHttpHeaders; body: string; status: number }[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const status = received.length < 2 ? 500 : 200;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const cluster = await startCluster({
    leaseTtlMs: 3_000,
    database: "sqlite",
    env: { BAA_NOTIFY_URLS: url, BAA_NOTIFY_SECRET: SECRET }
  });
  try {
    const node = await cluster.addNode("node-a", "primary");
    const taskId = await cluster.createTask(node, { title: "notify me", prompt: "Say done." });
    await eventually(async () => (received.length >= 3 ? true : null), "three attempts", 90_000);
    const delivered = await eventually(
      async () => {
        const state = (await getJson(`${node.conductor.base}/v1/system/state`)).body.data;
        return state.notifications.delivered === 1 ? state.notifications : null;
      },
      "the delivery recorded",
      30_000
    );
    assert.equal(delivered.pending, 0);
    assert.equal(delivered.failed, 0);
    assert.equal(delivered.lastFailure.status, 500);

    assert.equal(received.length, 3, "delivered once: no attempt after the 200");
    assert.deepEqual(
      received.map((r) => r.status),
      [500, 500, 200]
    );
    const ids = new Set(received.map((r) => r.headers["x-baa-delivery"]));
    assert.equal(ids.size, 1, "the same delivery id on all three attempts");
    for (const attempt of received) {
      assert.equal(attempt.headers["x-baa-event"], "task.succeeded");
      assert.equal(attempt.headers["content-type"], "application/json");
      assert.ok(
        signatureValid(attempt.body, attempt.headers["x-baa-signature"] as string | undefined),
        "signature valid"
      );
      assert.equal(attempt.body, received[0]!.body);
    }
    assert.equal(
      signatureValid(
        received[0]!.body.replace("succeeded", "failed"),
        received[0]!.headers["x-baa-signature"] as string
      ),
      false
    );
    const body = JSON.parse(received[0]!.body);
    assert.equal(body.event, "task.succeeded");
    assert.equal(body.task.taskId, taskId);
    assert.equal(body.task.state, "succeeded");

    const metrics = (await fetch(`${node.conductor.base}/metrics`).then((r) => r.text())).split("\n");
    assert.ok(
      metrics.includes('conductor_notifications_total{outcome="delivered"} 1'),
      metrics.filter((l) => l.includes("notifications")).join("\n")
    );
    assert.ok(metrics.includes('conductor_notifications_total{outcome="retry"} 2'));
  } finally {
    await cluster.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
});
