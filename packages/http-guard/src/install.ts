import { networkInterfaces } from "node:os";
import type { FastifyInstance } from "fastify";
import { decideAccess, type GuardPolicy, type TokenAuth } from "./decide.js";
import type { BrowserGuardErrorCode } from "./error-codes.js";
import { parseAllowedHost } from "./host-names.js";
import { parseAllowedOrigin } from "./origins.js";

export interface BrowserGuardOptions {
  /** Where the service listens (as configured; port 0 is replaced by the bound port once listening). */
  listen: { host: string; port: number };
  /** `BAA_ALLOWED_HOSTS`: extra names, `name` (any port) or `name:port`. */
  allowedHosts?: readonly string[];
  /** `BAA_ALLOWED_ORIGINS`: origins whose pages may call the service, with CORS answers. */
  allowedOrigins?: readonly string[];
  /** Paths open to everyone, e.g. probes. */
  openPaths?: ReadonlySet<string>;
  /** Exact `METHOD /path` routes that check a signature over the body themselves (see GuardPolicy). */
  selfAuthenticating?: ReadonlySet<string>;
  /** Token-based access (the conductor); absent for a service without a token (codexd). */
  auth?: TokenAuth;
  /** Builds the error thrown for a refusal: the service's `defineErrors` factory. */
  fail: (code: BrowserGuardErrorCode, message: string) => Error;
  /** The machine's interface addresses; defaults to `os.networkInterfaces()`. */
  interfaceAddresses?: () => readonly string[];
}

/**
 * Guards every request of `app`, HTTP and WebSocket upgrade alike, against what a web page can
 * send: a Host that is not the service's (DNS rebinding), a foreign Origin, and a same-host
 * proxy posing as loopback. Refusals are thrown through `fail` and logged without headers that
 * carry secrets. Register it after `@fastify/websocket` (inside `app.after`), so a refused
 * upgrade's socket is torn down rather than left open.
 * @example app.after(() => installBrowserGuard(app, { listen: { host: "127.0.0.1", port: 4319 }, fail: codexdError }));
 */
export function installBrowserGuard(app: FastifyInstance, options: BrowserGuardOptions): void {
  // The bound port, read once the server listens (getsockname per request cost codexd more
  // CPU than its routes under load; a listening server keeps its port).
  let bound: number | undefined;
  const port = (): number => {
    bound ??= boundPort(app);
    return bound ?? options.listen.port;
  };
  const policy = createGuardPolicy(options, port);
  // A callback hook, not an async one: no promise per request on the hot path.
  app.addHook("onRequest", (request, reply, done) => {
    const query = request.url.indexOf("?");
    const path = query === -1 ? request.url : request.url.slice(0, query);
    const decision = decideAccess(
      { method: request.method, path, remoteAddress: request.ip, headers: request.headers },
      policy
    );
    if (decision.action === "preflight") {
      void reply.status(204).headers(decision.headers).send();
      return;
    }
    for (const name in decision.headers) void reply.header(name, decision.headers[name]);
    if (decision.action === "allow") {
      done();
      return;
    }
    request.log.warn(
      {
        code: decision.code,
        remoteAddress: request.ip,
        method: request.method,
        path,
        host: request.headers.host,
        origin: request.headers.origin
      },
      "refused by the browser guard"
    );
    done(options.fail(decision.code, decision.message));
  });
}

/**
 * Builds the policy `decideAccess` uses from the options; `port` is read per request because
 * a service configured with port 0 learns its port when it listens.
 * @throws Error naming a malformed allowed host or origin
 */
export function createGuardPolicy(
  options: Omit<BrowserGuardOptions, "fail">,
  port: () => number = () => options.listen.port
): GuardPolicy {
  const allowedHosts = (options.allowedHosts ?? []).map(parseAllowedHost);
  const interfaceAddresses = options.interfaceAddresses ?? machineAddresses;
  return {
    own: {
      get port() {
        return port();
      },
      listenHost: options.listen.host,
      allowedHosts,
      interfaceAddresses
    },
    allowedOrigins: new Set((options.allowedOrigins ?? []).map(parseAllowedOrigin)),
    openPaths: options.openPaths ?? new Set(),
    ...(options.selfAuthenticating === undefined ? {} : { selfAuthenticating: options.selfAuthenticating }),
    ...(options.auth === undefined ? {} : { auth: options.auth })
  };
}

function boundPort(app: FastifyInstance): number | undefined {
  const address = app.server.listening ? app.server.address() : null;
  return typeof address === "object" && address !== null ? address.port : undefined;
}

function machineAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((entries) =>
    (entries ?? []).map((entry) => entry.address)
  );
}
