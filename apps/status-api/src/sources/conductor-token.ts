import { readFileSync } from "node:fs";

/**
 * The bearer token status-api presents to the conductor: `BAA_SHARED_TOKEN` when set, else the
 * file the conductor generates in its state dir. The file is read when needed (the conductor
 * may create it after status-api started), never logged.
 */
export class ConductorToken {
  readonly #configured: string | undefined;
  readonly #file: string;
  #cached: string | undefined;

  constructor(options: { configured?: string | undefined; file: string }) {
    this.#configured = options.configured;
    this.#file = options.file;
  }

  /** The token, or undefined when there is none yet (a loopback conductor needs none). */
  get(): string | undefined {
    if (this.#configured !== undefined) return this.#configured;
    if (this.#cached !== undefined) return this.#cached;
    try {
      const text = readFileSync(this.#file, "utf8").trim();
      this.#cached = text === "" ? undefined : text;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      this.#cached = undefined;
    }
    return this.#cached;
  }

  /** Forget a token the conductor refused, so the next call reads the file again. */
  invalidate(): void {
    this.#cached = undefined;
  }

  /** Authorization header for a call, if there is a token. */
  headers(): Record<string, string> {
    const token = this.get();
    return token === undefined ? {} : { authorization: `Bearer ${token}` };
  }
}
