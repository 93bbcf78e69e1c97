// Generated HTTP/1.1 responses for the reader's conformance test: what a server is to send, and,
// for the raw server, the exact bytes. Everything random comes from one seeded generator.

/** A small seeded PRNG (mulberry32): the same seed gives the same cases. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** Which server sends a case: node's own `http` server, or a raw socket writing {@link rawBytes}. */
export type ServerKind = "node" | "raw";

/** One response to generate. Header names are already in the case they are sent in. */
export interface ResponseCase {
  id: number;
  server: ServerKind;
  method: "GET" | "HEAD";
  status: number;
  /** Headers other than the framing ones, in order (duplicates allowed). */
  headers: Array<[string, string]>;
  /** How the body is delimited; "until-close" only on the raw server, and only last on a connection. */
  framing: "length" | "chunked" | "until-close";
  /** The body the server means (sent only when the method and status allow one). */
  body: Buffer;
  /** Sizes of the writes (node) or chunks (raw) the body goes out in; each > 0. */
  pieces: number[];
  trailers: Array<[string, string]>;
  /** The response ends the connection (`connection: close`, HTTP/1.0 without keep-alive, or until-close). */
  closes: boolean;
  raw: RawShape;
  /** The raw server's bytes, made when the case is (the shape's choices draw on the generator). */
  bytes: Buffer;
}

/** What only the raw server varies. */
export interface RawShape {
  version: "1.0" | "1.1";
  statusLine: string;
  /** Interim (1xx) responses sent before this one, whole. */
  interim: string[];
  /** Optional whitespace around each header value. */
  ows: () => string;
  /** Whitespace after content-length and transfer-encoding: spaces only (llhttp refuses a tab there). */
  framingTail: string;
  lengthName: string;
  teName: string;
  teValue: string;
  chunkSize: (size: number) => string;
  extensions: boolean;
  chunkExtension: () => string;
  /** A `content-length` the raw server sends with a 304 (allowed: the body it would have had). */
  notModifiedLength: boolean;
}

/** Responses sent on one connection, in order; only the last may end it. */
export interface ConnectionCase {
  server: ServerKind;
  responses: ResponseCase[];
}

const TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-!#$%&'*+.^_`|~";
// Field values: visible ASCII, space and tab inside, and obs-text (0x80-0xFF, latin1).
const VALUE_CHARS = `${Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)).join("")}\t`;
const OBS_TEXT = Array.from({ length: 128 }, (_, i) => String.fromCharCode(0x80 + i)).join("");
// Names like those the reader reads: of the same length, or holding one of them.
const LOOK_ALIKES = [
  "content-typo",
  "retry-afters",
  "x-retry-after",
  "connections",
  "keep-alivex",
  "x-content-type",
  "content-md5"
];
const STATUSES = [200, 200, 200, 201, 202, 204, 304, 400, 404, 409, 413, 429, 500, 502, 503];

/** `name` with each letter's case flipped at random. */
export function randomCase(rng: Rng, name: string): string {
  const mode = rng.int(4);
  if (mode === 0) return name;
  if (mode === 1) return name.toUpperCase();
  if (mode === 2)
    return name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
  return [...name].map((char) => (rng.chance(0.5) ? char.toUpperCase() : char.toLowerCase())).join("");
}

function randomText(rng: Rng, chars: string, min: number, max: number): string {
  let text = "";
  const length = min + rng.int(max - min + 1);
  for (let i = 0; i < length; i++) text += chars[rng.int(chars.length)];
  return text;
}

// A field value: no whitespace at either end (the sender's OWS is added separately), maybe obs-text.
function randomValue(rng: Rng, obsText: boolean): string {
  const chars = obsText && rng.chance(0.3) ? VALUE_CHARS + OBS_TEXT : VALUE_CHARS;
  const value = randomText(rng, chars, 0, 24).replace(/^[ \t]+|[ \t]+$/g, "");
  return value;
}

function randomBody(rng: Rng): Buffer {
  // Mostly small (fed a byte at a time they cost a step each); now and then larger than a socket read.
  const size = rng.chance(0.03)
    ? 20_000 + rng.int(50_000)
    : rng.pick([0, 0, 1, 2, 7, 16, 100, 300, 1000, 1500]) + (rng.chance(0.5) ? rng.int(50) : 0);
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) {
    const word = rng.int(2 ** 32);
    for (let j = 0; j < 4 && i + j < size; j++) body[i + j] = (word >>> (8 * j)) & 0xff;
  }
  return body;
}

function randomPieces(rng: Rng, size: number): number[] {
  const pieces: number[] = [];
  let left = size;
  while (left > 0) {
    const piece = rng.chance(0.3) ? left : 1 + rng.int(Math.min(left, rng.pick([1, 3, 16, 256, 8192])));
    pieces.push(piece);
    left -= piece;
  }
  return pieces;
}

function extraHeaders(rng: Rng, server: ServerKind): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const raw = server === "raw";
  if (rng.chance(0.7))
    headers.push([
      randomCase(rng, "content-type"),
      rng.pick(["application/json", "text/plain; charset=utf-8", randomValue(rng, raw)])
    ]);
  if (rng.chance(0.3))
    headers.push([
      randomCase(rng, "retry-after"),
      rng.pick(["1", "120", "Wed, 21 Oct 2026 07:28:00 GMT", randomValue(rng, raw)])
    ]);
  for (let i = rng.int(5); i > 0; i--) {
    const name = rng.chance(0.5) ? rng.pick(LOOK_ALIKES) : `x-${randomText(rng, TOKEN_CHARS, 1, 12)}`;
    headers.push([randomCase(rng, name), randomValue(rng, raw)]);
  }
  // Duplicates: the first content-type and retry-after count, as in node's client.
  if (raw && rng.chance(0.15))
    headers.push([randomCase(rng, rng.pick(["content-type", "retry-after"])), randomValue(rng, true)]);
  // Shuffle, so the headers the reader reads come anywhere.
  for (let i = headers.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [headers[i], headers[j]] = [headers[j]!, headers[i]!];
  }
  return headers;
}

function rawShape(rng: Rng, status: number): RawShape {
  const reason = rng.pick(["OK", "", "Some Reason", "Not Modified Or Whatever"]);
  const version = rng.chance(0.1) ? "1.0" : "1.1";
  const statusLine = rng.chance(0.1) ? `HTTP/${version} ${status}` : `HTTP/${version} ${status} ${reason}`;
  const interim: string[] = [];
  for (let i = rng.chance(0.1) ? 1 + rng.int(2) : 0; i > 0; i--) {
    interim.push(
      rng.chance(0.5)
        ? "HTTP/1.1 100 Continue\r\n\r\n"
        : `HTTP/1.1 103 Early Hints\r\n${randomCase(rng, "link")}: </a.css>; rel=preload\r\n\r\n`
    );
  }
  const ows = ["", "", " ", "\t", "  \t "];
  const zeros = rng.pick([0, 0, 1, 2, 9]);
  const upper = rng.chance(0.5);
  const extension = rng.chance(0.4);
  return {
    version,
    statusLine,
    interim,
    ows: () => rng.pick(ows),
    framingTail: rng.pick(["", "", " ", "   "]),
    lengthName: randomCase(rng, "content-length"),
    teName: randomCase(rng, "transfer-encoding"),
    teValue: rng.pick(["chunked", "Chunked", "CHUNKED"]),
    chunkSize: (size) => {
      const hex = "0".repeat(size === 0 ? 0 : zeros) + size.toString(16);
      return upper ? hex.toUpperCase() : hex;
    },
    extensions: extension,
    chunkExtension: () =>
      extension
        ? rng.pick([
            ";a",
            ";name=value",
            ';q="quoted; \\"string\\""',
            ";x=1;y=2",
            `;ext=${randomText(rng, "abc123", 1, 9)}`
          ])
        : "",
    notModifiedLength: rng.chance(0.5)
  };
}

/** A response that carries no body whatever its headers say (RFC 9112 6.3). */
export function hasNoBody(response: ResponseCase): boolean {
  return response.method === "HEAD" || response.status === 204 || response.status === 304;
}

// `connection` values: those that end the connection, and those that do not (node reads tokens).
const CLOSING = ["close", "Close", "CLOSE", "keep-alive, close", "close, x-other"];
const NOT_CLOSING = ["keep-alive", "Keep-Alive", "x-enclosed", "keep-alive, x-closer", "x-close-not"];

function generateResponse(rng: Rng, server: ServerKind, id: number, endsConnection: boolean): ResponseCase {
  const method = rng.chance(0.12) ? "HEAD" : "GET";
  const status = rng.pick(STATUSES);
  const raw = rawShape(rng, status);
  if (server === "node") raw.version = "1.1";
  const noBody = method === "HEAD" || status === 204 || status === 304;
  let framing: ResponseCase["framing"] = rng.chance(0.5) ? "length" : "chunked";
  if (server === "raw" && endsConnection && !noBody && rng.chance(0.4)) framing = "until-close";
  if (raw.version === "1.0" && framing === "chunked") framing = "length";
  const headers = extraHeaders(rng, server);
  const insert = (name: string, value: string) =>
    headers.splice(rng.int(headers.length + 1), 0, [randomCase(rng, name), value]);
  if (raw.version === "1.0") {
    // HTTP/1.0 closes unless the server says keep-alive (and then the body has a length).
    if (!endsConnection) insert("connection", rng.pick(["keep-alive", "Keep-Alive"]));
    else if (framing !== "until-close" && rng.chance(0.5)) insert("connection", "close");
  } else if (endsConnection && framing !== "until-close") {
    insert("connection", server === "raw" ? rng.pick(CLOSING) : rng.pick(["close", "Close"]));
  } else if (endsConnection ? rng.chance(0.5) : server === "raw" && rng.chance(0.3)) {
    insert("connection", endsConnection ? rng.pick(CLOSING) : rng.pick(NOT_CLOSING));
  }
  if (server === "raw" && rng.chance(0.4)) {
    const seconds = 2 + rng.int(60);
    insert(
      "keep-alive",
      rng.chance(0.5) ? `timeout=${seconds}` : `timeout=${seconds}, max=${1 + rng.int(1000)}`
    );
  }
  const body = randomBody(rng);
  const trailers: Array<[string, string]> = [];
  if (framing === "chunked" && !noBody && rng.chance(0.4)) {
    for (let i = 1 + rng.int(3); i > 0; i--) {
      trailers.push([
        randomCase(rng, rng.pick(["x-checksum", "content-type", "retry-after", "x-t"])),
        randomValue(rng, false) || "v"
      ]);
    }
  }
  const pieces = randomPieces(rng, body.length);
  const response: ResponseCase = {
    id,
    server,
    method,
    status,
    headers,
    framing,
    body,
    pieces,
    trailers,
    closes: endsConnection,
    raw,
    bytes: Buffer.alloc(0)
  };
  if (server === "raw") response.bytes = rawBytes(response);
  return response;
}

/** One connection's responses: one to six, the last ending the connection about a third of the time. */
export function generateConnection(rng: Rng, nextId: () => number): ConnectionCase {
  const server: ServerKind = rng.chance(0.5) ? "node" : "raw";
  const count = 1 + rng.int(6);
  const endsLast = rng.chance(0.35);
  const responses = Array.from({ length: count }, (_, i) =>
    generateResponse(rng, server, nextId(), endsLast && i === count - 1)
  );
  return { server, responses };
}

/** The bytes the raw server sends for `response`. */
export function rawBytes(response: ResponseCase): Buffer {
  const { raw } = response;
  const line = (name: string, value: string) => `${name}:${raw.ows()}${value}${raw.ows()}\r\n`;
  const framingLine = (name: string, value: string) => `${name}:${raw.ows()}${value}${raw.framingTail}\r\n`;
  let head = `${raw.interim.join("")}${raw.statusLine}\r\n`;
  for (const [name, value] of response.headers) head += line(name, value);
  if (response.status !== 204) {
    const sendsLength = response.status !== 304 || raw.notModifiedLength;
    if (response.framing === "length" && sendsLength)
      head += framingLine(raw.lengthName, String(response.body.length));
    if (response.framing === "chunked" && response.status !== 304)
      head += framingLine(raw.teName, raw.teValue);
  }
  const parts: Buffer[] = [Buffer.from(`${head}\r\n`, "latin1")];
  if (hasNoBody(response)) return parts[0]!;
  if (response.framing !== "chunked") return Buffer.concat([parts[0]!, response.body]);
  let offset = 0;
  for (const size of response.pieces) {
    parts.push(Buffer.from(`${raw.chunkSize(size)}${raw.chunkExtension()}\r\n`, "latin1"));
    parts.push(response.body.subarray(offset, offset + size), Buffer.from("\r\n", "latin1"));
    offset += size;
  }
  let last = `${raw.chunkSize(0)}${raw.chunkExtension()}\r\n`;
  for (const [name, value] of response.trailers) last += line(name, value);
  parts.push(Buffer.from(`${last}\r\n`, "latin1"));
  return Buffer.concat(parts);
}

/**
 * Piece sizes for feeding `length` bytes to the reader: whole, one byte at a time, or random
 * pieces (mostly small, so boundaries fall inside status lines, header names and chunk sizes).
 */
export function randomCuts(rng: Rng, length: number, mode: "whole" | "bytes" | "random"): number[] {
  if (mode === "whole") return [length];
  // A byte at a time, up to a size that keeps the test fast (larger: random pieces).
  if (mode === "bytes" && length <= 4096) return Array.from({ length }, () => 1);
  const sizes: number[] = [];
  let left = length;
  while (left > 0) {
    const size = Math.min(left, 1 + rng.int(rng.pick([2, 5, 17, 64, 600, 9000])));
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

/** How many generated responses (or connections) have each feature the test must cover. */
export function coverage(connections: ConnectionCase[]): Record<string, number> {
  const all = connections.flatMap((connection) => connection.responses);
  const raw = all.filter((response) => response.server === "raw");
  const count = (from: ResponseCase[], test: (response: ResponseCase) => boolean) => from.filter(test).length;
  const withBody = all.filter((response) => !hasNoBody(response));
  return {
    "connections reused": connections.filter((connection) => connection.responses.length > 1).length,
    "from node's server": count(all, (response) => response.server === "node"),
    "content-length bodies": count(withBody, (r) => r.framing === "length" && r.body.length > 0),
    "chunked bodies": count(withBody, (r) => r.framing === "chunked" && r.body.length > 0),
    "chunk extensions": count(raw, (r) => r.framing === "chunked" && !hasNoBody(r) && r.raw.extensions),
    trailers: count(withBody, (r) => r.trailers.length > 0),
    "empty bodies": count(withBody, (r) => r.body.length === 0),
    "204 responses": count(all, (r) => r.status === 204),
    "304 responses": count(all, (r) => r.status === 304),
    "HEAD requests": count(all, (r) => r.method === "HEAD"),
    "connection: close": count(all, (r) => r.closes && r.framing !== "until-close"),
    "bodies read until close": count(all, (r) => r.framing === "until-close"),
    "interim 1xx responses": count(raw, (r) => r.raw.interim.length > 0),
    "HTTP/1.0": count(raw, (r) => r.raw.version === "1.0"),
    "obs-text in values": count(all, (r) => r.headers.some(([, value]) => /[\x80-\xff]/.test(value)))
  };
}
