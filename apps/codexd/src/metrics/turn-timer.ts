/** At most this many turns are timed at once; the oldest start is forgotten past it. */
const MAX_TRACKED = 10_000;

/** When each running turn started (first sighting wins), for the turn-duration histogram. */
export class TurnTimer {
  readonly #started = new Map<string, number>();

  start(turnId: string, atMs: number): void {
    if (this.#started.has(turnId) || !Number.isFinite(atMs)) return;
    if (this.#started.size >= MAX_TRACKED) {
      const oldest = this.#started.keys().next().value;
      if (oldest !== undefined) this.#started.delete(oldest);
    }
    this.#started.set(turnId, atMs);
  }

  has(turnId: string): boolean {
    return this.#started.has(turnId);
  }

  /** The start of `turnId`, forgotten from now on; undefined when it was never seen. */
  end(turnId: string): number | undefined {
    const started = this.#started.get(turnId);
    this.#started.delete(turnId);
    return started;
  }
}
