import type WebSocket from "ws";
import type { Logger } from "pino";
import { WsCloseCodes } from "@baa/http-server";
import { RelayClient } from "./relay-client.js";
import { wsUpstreamConnector, type UpstreamConnector } from "./relay-upstream.js";
import { SharedUpstream, type FlushScheduler } from "./shared-upstream.js";

export interface EventsRelayOptions {
  /** Builds codexd's event-stream URL for a client's query string. */
  upstreamUrl: (search: string) => string;
  /**
   * The same stream on codexd's Unix socket (`ws+unix:` URL and the Host to send), or null while
   * calls go over TCP. A socket that cannot be connected to falls back to `upstreamUrl`.
   */
  upstreamSocket?: (search: string) => { url: string; host: string } | null;
  /** Bound on opening the upstream stream. */
  connectTimeoutMs: number;
  /** A client whose unsent data exceeds this is cut off (4008, as codexd does) instead of growing memory. */
  maxBufferedBytes?: number;
  logger: Logger;
  /** Told when a client is cut off for being too slow (the metrics). */
  onCutOff?: () => void;
  /** Sent with every upstream (TCP) handshake: another node's stream needs the shared token. */
  upstreamHeaders?: Readonly<Record<string, string>>;
  /** What the upstream is called in close reasons and logs; default "codexd". */
  upstreamName?: string;
  /**
   * Whether clients with the same filter share one upstream (default true). False: every
   * client gets its own, its query passed as it is (a stream whose `search` is a whole URL).
   */
  share?: boolean;
  /** Opens an upstream stream; tests pass a fake. Default: `ws` over the socket or TCP. */
  connect?: UpstreamConnector;
  /** When a step's frames are handed out (default: once the step is done, `process.nextTick`). */
  flushScheduler?: FlushScheduler;
}

const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const CLOSE_GRACE_MS = 1_000;

/**
 * Relays codexd's event stream to conductor clients. Clients with the same filter (the query
 * without `after`) share ONE upstream stream, opened for the first and closed when the last
 * leaves; each frame passes through unchanged, in order, to every one of them. A client with
 * `after=` first reads its own replay stream (its query as given) and joins the shared live
 * stream once that replay has caught up with it, with no gap and no duplicate (see
 * `ReplayJoin`). A close of the upstream closes its clients with the same code; a client that
 * falls behind by more than `maxBufferedBytes` is closed alone with 4008.
 */
export class EventsRelay {
  readonly #options: EventsRelayOptions;
  readonly #maxBufferedBytes: number;
  readonly #connect: UpstreamConnector;
  readonly #clients = new Set<RelayClient>();
  readonly #upstreams = new Map<string, SharedUpstream>();
  readonly #memberships = new Map<RelayClient, SharedUpstream>();
  #unshared = 0;

  constructor(options: EventsRelayOptions) {
    this.#options = options;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.#connect =
      options.connect ??
      wsUpstreamConnector({
        upstreamUrl: options.upstreamUrl,
        connectTimeoutMs: options.connectTimeoutMs,
        upstreamName: options.upstreamName ?? "codexd",
        logger: options.logger,
        ...(options.upstreamSocket === undefined ? {} : { upstreamSocket: options.upstreamSocket }),
        ...(options.upstreamHeaders === undefined ? {} : { upstreamHeaders: options.upstreamHeaders })
      });
  }

  /** Clients relayed now. */
  get size(): number {
    return this.#clients.size;
  }

  /** Shared upstream streams open now: one per distinct filter in use (replays not counted). */
  get upstreamCount(): number {
    return this.#upstreams.size;
  }

  /** Starts relaying for a client that just connected with query string `search` ("" or "?…"). */
  attach(socket: WebSocket, search: string): void {
    const client = new RelayClient(socket, {
      maxBufferedBytes: this.#maxBufferedBytes,
      onCutOff: (bufferedBytes) => {
        this.#options.logger.warn({ bufferedBytes }, "event stream client too slow, closing it");
        this.#options.onCutOff?.();
      },
      onFinish: (done) => this.#leave(done)
    });
    this.#clients.add(client);
    socket.on("close", () => client.finish(WsCloseCodes.normal, "client closed"));
    socket.on("error", () => client.finish(WsCloseCodes.internal, "client error"));
    const shared = this.#options.share !== false;
    const { key, liveSearch, after } = shared ? splitQuery(search) : this.#ownStream(search);
    if (after === undefined) {
      this.#join(client, key, liveSearch);
      return;
    }
    // The shared stream is joined once the replay is open, so what it holds starts late enough
    // for the replay to reach it soon.
    const replay = this.#connect(search, {
      open: () => {
        if (!client.finished && client.joining) this.#join(client, key, liveSearch);
      },
      message: (data, isBinary) => client.replayed(data, isBinary),
      end: (code, reason) => client.finish(code, reason)
    });
    client.startReplay(after, replay);
  }

  /** Closes every relayed stream (1001) and drops clients that do not answer within a second. */
  closeAll(): void {
    for (const client of [...this.#clients]) {
      client.finish(WsCloseCodes.goingAway, "conductor shutting down");
      setTimeout(() => client.socket.terminate(), CLOSE_GRACE_MS).unref();
    }
  }

  #join(client: RelayClient, key: string, liveSearch: string): void {
    let upstream = this.#upstreams.get(key);
    if (upstream === undefined || !upstream.usable) {
      const onGone = (gone: SharedUpstream) => {
        if (this.#upstreams.get(key) === gone) this.#upstreams.delete(key);
      };
      upstream = new SharedUpstream(this.#connect, liveSearch, onGone, this.#options.flushScheduler);
      if (upstream.usable) this.#upstreams.set(key, upstream);
    }
    this.#memberships.set(client, upstream);
    upstream.add(client);
  }

  #leave(client: RelayClient): void {
    this.#clients.delete(client);
    const upstream = this.#memberships.get(client);
    this.#memberships.delete(client);
    upstream?.remove(client);
  }

  // Not shared: a key no other client has, the query as given, no join.
  #ownStream(search: string): { key: string; liveSearch: string; after: undefined } {
    this.#unshared += 1;
    return { key: `own:${this.#unshared}`, liveSearch: search, after: undefined };
  }
}

/**
 * A client's query split into its shared stream's key and query (the filter: every parameter
 * but `after`, in a fixed order) and its `after`. An `after` that is not a whole number stays
 * in the query, so the upstream refuses it as it would for the client alone.
 */
export function splitQuery(search: string): { key: string; liveSearch: string; after: number | undefined } {
  const params = new URLSearchParams(search.startsWith("?") ? search.slice(1) : search);
  const raw = params.get("after");
  if (raw === null) return sortedQuery(params, undefined);
  if (params.getAll("after").length !== 1 || !/^\d{1,15}$/.test(raw)) {
    return { key: `as-given:${search}`, liveSearch: search, after: undefined };
  }
  params.delete("after");
  return sortedQuery(params, Number(raw));
}

function sortedQuery(params: URLSearchParams, after: number | undefined) {
  params.sort();
  const query = params.toString();
  const liveSearch = query === "" ? "" : `?${query}`;
  return { key: liveSearch, liveSearch, after };
}
