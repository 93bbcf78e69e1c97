// The hand-written HTTP/1.1 response reader against node's own HTTP stack: thousands of generated
// responses (node's `http` server, or exact bytes from a raw socket where node's server would not
// send them: chunk extensions, obs-text, interim 1xx, HTTP/1.0, bodies read until close), each
// read by node's client for the expected value and by the reader from the same bytes, cut at
// random points down to one byte. Replay a run with BAA_CONFORMANCE_SEED=<the printed seed>.
import assert from "node:assert/strict";
import test from "node:test";
import { Http1ResponseReader, type Http1Response } from "../../src/codexd/http1-response-reader.js";
import {
  coverage,
  generateConnection,
  hasNoBody,
  randomCuts,
  Rng,
  type ConnectionCase,
  type ResponseCase
} from "./http1-conformance/cases.js";
import { capture, startServers, type Captured, type Expected } from "./http1-conformance/capture.js";

const CONNECTIONS = 700;
const PARALLEL = 8;
const CUTS = ["whole", "bytes", "random"] as const;

function seedOf(text: string | undefined): number {
  if (text === undefined || text === "") return Math.floor(Math.random() * 2 ** 32);
  const seed = Number(text);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)
    throw new Error(`BAA_CONFORMANCE_SEED is not a 32-bit integer: ${text}`);
  return seed;
}

/**
 * Feeds `bytes` to one reader in pieces of `sizes`, as the socket client does (bytes it could not
 * use yet are kept and joined to the next piece), starting the next response as each completes.
 */
function readAll(bytes: Buffer, methods: string[], sizes: number[]): Http1Response[] {
  const reader = new Http1ResponseReader();
  const read: Http1Response[] = [];
  reader.reset(methods[0]!);
  let pending: Buffer = Buffer.alloc(0);
  let offset = 0;
  for (const size of sizes) {
    const piece = bytes.subarray(offset, offset + size);
    offset += size;
    let data = pending.length === 0 ? piece : Buffer.concat([pending, piece]);
    pending = Buffer.alloc(0);
    while (data.length > 0) {
      if (read.length === methods.length)
        throw new Error(`${data.length} bytes left after the last response`);
      const used = reader.step(data);
      if (used < 0) {
        pending = data;
        break;
      }
      data = data.subarray(used);
      const response = reader.take();
      if (response !== undefined) {
        read.push(response);
        if (read.length < methods.length) reader.reset(methods[read.length]!);
      } else if (used === 0) {
        throw new Error("the reader used no bytes and finished nothing");
      }
    }
  }
  const last = reader.end();
  if (last !== undefined) read.push(last);
  if (pending.length > 0) throw new Error(`${pending.length} bytes never used`);
  return read;
}

function where(connection: ConnectionCase, captured: Captured, cuts: string): string {
  const shown = JSON.stringify(captured.bytes.toString("latin1"));
  const cases = connection.responses
    .map((response: ResponseCase) => `${response.method} #${response.id}`)
    .join(", ");
  return `${connection.server} server, ${cases}, cut ${cuts}; bytes ${shown.length > 800 ? `${shown.slice(0, 800)}…` : shown}`;
}

const FIELDS = ["status", "contentType", "retryAfter", "keepAlive", "serverKeepAliveMs"] as const;

/** The first difference between what the reader read and what node read, or undefined. */
function difference(
  read: Http1Response[],
  expected: Expected[],
  connection: ConnectionCase
): string | undefined {
  if (read.length !== expected.length) return `read ${read.length} responses, node ${expected.length}`;
  for (let i = 0; i < read.length; i++) {
    const id = connection.responses[i]!.id;
    for (const field of FIELDS) {
      const [got, want] = [read[i]![field], expected[i]![field]];
      if (got !== want) return `#${id} ${field}: reader ${JSON.stringify(got)}, node ${JSON.stringify(want)}`;
    }
    if (!read[i]!.body.equals(expected[i]!.body))
      return `#${id} body: reader ${read[i]!.body.length} bytes, node ${expected[i]!.body.length}`;
  }
  return undefined;
}

test("the response reader reads what node's HTTP client reads, however the bytes are cut", {
  timeout: 120_000
}, async (t) => {
  const seed = seedOf(process.env.BAA_CONFORMANCE_SEED);
  t.diagnostic(`seed ${seed} (replay with BAA_CONFORMANCE_SEED=${seed})`);
  console.log(`http1 response reader conformance: seed ${seed}`);
  const rng = new Rng(seed);
  let nextId = 0;
  const connections = Array.from({ length: CONNECTIONS }, () => generateConnection(rng, () => nextId++));
  const cases = new Map(
    connections.flatMap((connection) =>
      connection.responses.map((response) => [response.id, response] as const)
    )
  );
  const covered = coverage(connections);
  t.diagnostic(
    Object.entries(covered)
      .map(([feature, n]) => `${feature} ${n}`)
      .join(", ")
  );
  for (const [feature, n] of Object.entries(covered)) assert.ok(n > 0, `the seed gave no case of ${feature}`);
  const servers = await startServers(cases);
  t.after(() => servers.close());

  const started = performance.now();
  const captured: Captured[] = new Array(connections.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < connections.length; i = next++)
      captured[i] = await capture(connections[i]!, servers.ports[connections[i]!.server]);
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));

  const capturedAt = performance.now();
  const captureCpu = process.cpuUsage();
  const cutRng = new Rng(seed ^ 0x5bd1e995);
  const failures = new Map<string, { count: number; example: string }>();
  let reads = 0;
  connections.forEach((connection, i) => {
    const got = captured[i]!;
    // The generator's own promise, checked against node: the bodies it meant.
    connection.responses.forEach((response, j) => {
      const sent = hasNoBody(response) ? "" : response.body.toString("latin1");
      assert.equal(got.expected[j]!.body.toString("latin1"), sent, `node read case ${response.id}'s body`);
    });
    const methods = connection.responses.map((response) => response.method);
    for (const mode of CUTS) {
      const sizes = randomCuts(cutRng, got.bytes.length, mode);
      reads += connection.responses.length;
      const place = () => where(connection, got, mode === "random" ? sizes.join(",") : mode);
      let differs: string | undefined;
      try {
        differs = difference(readAll(got.bytes, methods, sizes), got.expected, connection);
      } catch (error) {
        differs = `the reader threw: ${(error as Error).message}`;
      }
      if (differs !== undefined) {
        // One example of each kind of difference (the field, or the error), with a count.
        const kind = /^(?:#\d+ )?([^:]*)/.exec(differs)![1]!;
        const seen = failures.get(kind);
        if (seen === undefined) failures.set(kind, { count: 1, example: `${differs}\n    ${place()}` });
        else seen.count += 1;
      }
    }
  });
  const took = (from: number, to: number) => `${Math.round(to - from)} ms`;
  t.diagnostic(`${cases.size} responses on ${connections.length} connections, ${reads} reads`);
  const ms = (usage: NodeJS.CpuUsage) => `${Math.round((usage.user + usage.system) / 1000)} ms`;
  t.diagnostic(
    `node's client: ${took(started, capturedAt)}; the reader: ${took(capturedAt, performance.now())}`
  );
  t.diagnostic(
    `CPU of this process: ${ms(captureCpu)} until node's client was done, ${ms(process.cpuUsage(captureCpu))} since`
  );
  assert.ok(cases.size > 2000, "thousands of cases");
  const shown = [...failures].map(
    ([kind, { count, example }]) => `  ${kind}: ${count} reads, e.g. ${example}`
  );
  assert.equal(failures.size, 0, `seed ${seed}: reads differ from node's client:\n${shown.join("\n")}`);
});
