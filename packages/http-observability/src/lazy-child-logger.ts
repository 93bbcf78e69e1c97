import type { FastifyBaseLogger } from "fastify";

type Bindings = Parameters<FastifyBaseLogger["child"]>[0];
type ChildLoggerOptions = NonNullable<Parameters<FastifyBaseLogger["child"]>[1]>;

type Level = "fatal" | "error" | "warn" | "info" | "debug" | "trace";
type Method = (this: unknown, ...args: unknown[]) => void;

interface ParentLogger extends FastifyBaseLogger {
  isLevelEnabled?(level: string): boolean;
}

/**
 * A request's logger that builds its child (bindings serialized, e.g. `reqId`) only when a line
 * is actually written. Fastify makes a child logger for every request; most requests never log,
 * and building a pino child (its bindings run through the serializers and redaction) cost more
 * than the conductor's proxying itself.
 */
class LazyChildLogger {
  readonly #parent: ParentLogger;
  readonly #bindings: Bindings;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: ParentLogger, bindings: Bindings) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  get level(): string {
    return this.#child?.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#real().level = level;
  }

  isLevelEnabled(level: string): boolean {
    const real = this.#child ?? this.#parent;
    return (real as ParentLogger).isLevelEnabled?.(level) ?? true;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }

  bindings(): Bindings {
    const real = this.#real() as FastifyBaseLogger & { bindings?: () => Bindings };
    return real.bindings?.() ?? this.#bindings;
  }

  #real(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings);
    return this.#child;
  }

  // Nothing is built for a level the logger drops.
  #log(level: Level, args: unknown[]): void {
    if (this.#child === undefined && this.#parent.isLevelEnabled?.(level) === false) return;
    (this.#real()[level] as Method).apply(this.#child, args);
  }

  fatal(...args: unknown[]): void {
    this.#log("fatal", args);
  }
  error(...args: unknown[]): void {
    this.#log("error", args);
  }
  warn(...args: unknown[]): void {
    this.#log("warn", args);
  }
  info(...args: unknown[]): void {
    this.#log("info", args);
  }
  debug(...args: unknown[]): void {
    this.#log("debug", args);
  }
  trace(...args: unknown[]): void {
    this.#log("trace", args);
  }
  silent(): void {}
}

/**
 * Fastify's `childLoggerFactory` with the per-request child built on its first line: pass it to
 * `fastify({ childLoggerFactory: lazyChildLoggerFactory })`. Lines logged carry the same
 * bindings (`reqId`) as with Fastify's own factory; a child asked for with options (a route's
 * own log level or serializers) is built at once.
 */
export function lazyChildLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions
): FastifyBaseLogger {
  for (const _key in options) return logger.child(bindings, options);
  return new LazyChildLogger(logger, bindings) as unknown as FastifyBaseLogger;
}
