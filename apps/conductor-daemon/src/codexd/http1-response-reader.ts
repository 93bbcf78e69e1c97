/** What one HTTP/1.1 response came to. */
export interface Http1Response {
  status: number;
  contentType: string | undefined;
  retryAfter: string | undefined;
  /**
   * False when the connection cannot carry another request: a `close` token in `connection`,
   * HTTP/1.0 without a `keep-alive` one, or a body read until the connection's end.
   */
  keepAlive: boolean;
  /** The server's `keep-alive: timeout=` in ms, if it said. */
  serverKeepAliveMs: number | undefined;
  body: Buffer;
}

const MAX_HEAD_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);
const CRLF_CRLF = Buffer.from("\r\n\r\n", "latin1");

// Where the reader is within a response.
// biome-ignore lint/suspicious/noConstEnum: inlined numbers in the parse loop; the enum never leaves this file
const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose
}

function malformed(message: string): Error {
  return new Error(message);
}

// Optional whitespace around a field value is spaces and tabs only (RFC 9110 5.5): a value's
// other bytes, obs-text such as 0xA0 included, are the value's, as node's parser keeps them.
function trimOws(text: string, from = 0, to = text.length): string {
  while (from < to && (text.charCodeAt(from) === 0x20 || text.charCodeAt(from) === 0x09)) from++;
  while (to > from && (text.charCodeAt(to - 1) === 0x20 || text.charCodeAt(to - 1) === 0x09)) to--;
  return text.slice(from, to);
}

function parseContentLength(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw malformed("codexd's response has a malformed content-length");
  return Number(value);
}

/**
 * Reads one HTTP/1.1 response at a time from a connection's bytes, as far as a client of codexd
 * needs: the status, `content-type` and `retry-after`, whether the connection may be reused, and
 * the body delimited by `content-length`, chunked encoding or the connection's end. It throws
 * (an Error naming what was wrong) on anything it cannot read; the connection is then unusable.
 */
export class Http1ResponseReader {
  #method = "GET";
  #state = State.Head;
  #status = 0;
  #contentType: string | undefined;
  #retryAfter: string | undefined;
  #keepAlive = true;
  // The head's `connection` tokens: `close`, and `keep-alive` (which an HTTP/1.0 server must send).
  #closeToken = false;
  #keepAliveToken = false;
  #serverKeepAliveMs: number | undefined;
  #remaining = 0;
  #chunks: Buffer[] = [];
  #response: Http1Response | undefined;

  /** Starts reading the response to a request sent with `method`. */
  reset(method: string): void {
    this.#method = method;
    this.#state = State.Head;
    this.#status = 0;
    this.#contentType = undefined;
    this.#retryAfter = undefined;
    this.#keepAlive = true;
    this.#serverKeepAliveMs = undefined;
    this.#remaining = 0;
    this.#chunks = [];
    this.#response = undefined;
  }

  /** The response once it is complete (then taken: the next call gives undefined). */
  take(): Http1Response | undefined {
    const response = this.#response;
    this.#response = undefined;
    return response;
  }

  /** True while the response's body runs until the connection ends. */
  get readsUntilClose(): boolean {
    return this.#state === State.UntilClose;
  }

  /** The connection ended: the response, if its body was to run until then. */
  end(): Http1Response | undefined {
    if (this.#state !== State.UntilClose) return undefined;
    this.#finish();
    return this.take();
  }

  /** Consumes what it can of `data`; returns the bytes used, or -1 when it needs more. */
  step(data: Buffer): number {
    switch (this.#state) {
      case State.Head: {
        const end = data.indexOf(CRLF_CRLF);
        if (end === -1) {
          if (data.length > MAX_HEAD_BYTES) throw malformed("codexd's response has too large a head");
          return -1;
        }
        this.#parseHead(data.toString("latin1", 0, end));
        return end + 4;
      }
      case State.Length: {
        const take = Math.min(this.#remaining, data.length);
        this.#chunks.push(take === data.length ? data : data.subarray(0, take));
        this.#remaining -= take;
        if (this.#remaining === 0) this.#finish();
        return take;
      }
      case State.ChunkSize: {
        const end = data.indexOf("\r\n", 0, "latin1");
        if (end === -1) {
          if (data.length > 1024) throw malformed("codexd's chunk size line is too long");
          return -1;
        }
        const line = data.toString("latin1", 0, end);
        const semicolon = line.indexOf(";");
        const sizeText = trimOws(line, 0, semicolon === -1 ? line.length : semicolon);
        // Leading zeros are allowed, any number of them (node's parser takes them too).
        if (!/^0*[0-9a-fA-F]{1,8}$/.test(sizeText)) throw malformed("codexd sent a malformed chunk size");
        this.#remaining = Number.parseInt(sizeText, 16);
        this.#state = this.#remaining === 0 ? State.Trailers : State.ChunkData;
        return end + 2;
      }
      case State.ChunkData: {
        const take = Math.min(this.#remaining, data.length);
        this.#chunks.push(take === data.length ? data : data.subarray(0, take));
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = State.ChunkDataEnd;
        return take;
      }
      case State.ChunkDataEnd: {
        if (data.length < 2) return -1;
        if (data[0] !== 0x0d || data[1] !== 0x0a) throw malformed("codexd sent a malformed chunk");
        this.#state = State.ChunkSize;
        return 2;
      }
      case State.Trailers: {
        // Trailer lines, then an empty line; trailers are not used.
        const end = data.indexOf("\r\n", 0, "latin1");
        if (end === -1) {
          if (data.length > MAX_HEAD_BYTES) throw malformed("codexd's trailers are too large");
          return -1;
        }
        if (end === 0) this.#finish();
        return end + 2;
      }
      case State.UntilClose: {
        this.#chunks.push(data);
        return data.length;
      }
    }
  }

  #parseHead(head: string): void {
    // Status line: HTTP/1.x NNN reason
    const lineEnd = head.indexOf("\r\n");
    const statusLine = lineEnd === -1 ? head : head.slice(0, lineEnd);
    if (!statusLine.startsWith("HTTP/1.") || statusLine.charCodeAt(8) !== 0x20)
      throw malformed("codexd's response is not HTTP/1.x");
    const status = Number(statusLine.slice(9, 12));
    if (!Number.isInteger(status) || status < 100 || status > 999)
      throw malformed("codexd's response has no status");
    this.#closeToken = false;
    this.#keepAliveToken = false;
    let length: number | undefined;
    let chunked = false;
    let start = lineEnd === -1 ? head.length : lineEnd + 2;
    while (start < head.length) {
      let end = head.indexOf("\r\n", start);
      if (end === -1) end = head.length;
      const colon = head.indexOf(":", start);
      if (colon === -1 || colon > end) throw malformed("codexd's response has a malformed header");
      const name = head.slice(start, colon).toLowerCase();
      if (name === "content-length") {
        const parsed = parseContentLength(trimOws(head, colon + 1, end));
        if (length !== undefined && length !== parsed)
          throw malformed("codexd's response has conflicting content-lengths");
        length = parsed;
      } else if (name === "transfer-encoding") {
        const value = trimOws(head, colon + 1, end);
        if (value.toLowerCase() !== "chunked")
          throw malformed(`codexd's response has an unsupported transfer-encoding: ${value}`);
        chunked = true;
      } else {
        this.#header(name, head, colon + 1, end);
      }
      start = end + 2;
    }
    if (status < 200) {
      // An interim response (100 Continue, 103 Early Hints): the real one follows.
      this.#contentType = undefined;
      this.#retryAfter = undefined;
      this.#serverKeepAliveMs = undefined;
      this.#state = State.Head;
      return;
    }
    this.#status = status;
    // HTTP/1.1 keeps the connection unless told `close`; HTTP/1.0 closes it unless told `keep-alive`.
    const http10 = statusLine.charCodeAt(7) === 0x30;
    this.#keepAlive = !this.#closeToken && (!http10 || this.#keepAliveToken);
    if (chunked && length !== undefined)
      throw malformed("codexd's response has both a content-length and chunked encoding");
    if (this.#method === "HEAD" || status === 204 || status === 304) {
      this.#finish();
    } else if (chunked) {
      this.#state = State.ChunkSize;
    } else if (length !== undefined) {
      this.#remaining = length;
      this.#state = State.Length;
      if (length === 0) this.#finish();
    } else {
      this.#keepAlive = false;
      this.#state = State.UntilClose;
    }
  }

  // A header that does not delimit the body, its value at head[from, to): kept if the client reads
  // it (the value is cut out only then).
  #header(name: string, head: string, from: number, to: number): void {
    switch (name) {
      case "content-type":
        this.#contentType ??= trimOws(head, from, to);
        break;
      case "retry-after":
        this.#retryAfter ??= trimOws(head, from, to);
        break;
      case "connection": {
        const value = head.slice(from, to);
        if (value.indexOf(",") === -1) this.#connectionOption(value);
        else for (const option of value.split(",")) this.#connectionOption(option);
        break;
      }
      case "keep-alive": {
        const match = /timeout=(\d+)/i.exec(head.slice(from, to));
        if (match !== null) this.#serverKeepAliveMs = Number(match[1]) * 1000;
        break;
      }
    }
  }

  #connectionOption(option: string): void {
    const name = trimOws(option).toLowerCase();
    if (name === "close") this.#closeToken = true;
    else if (name === "keep-alive") this.#keepAliveToken = true;
  }

  #finish(): void {
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#response = {
      status: this.#status,
      contentType: this.#contentType,
      retryAfter: this.#retryAfter,
      keepAlive: this.#keepAlive && this.#state !== State.UntilClose,
      serverKeepAliveMs: this.#serverKeepAliveMs,
      body: chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
    };
    this.#state = State.Head;
  }
}
