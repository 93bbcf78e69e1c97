/**
 * One app-server notification, flattened: its params plus `notificationMethod` (the JSON-RPC
 * method, e.g. `turn/completed`) and `type` (the method with dots, e.g. `turn.completed`).
 */
export interface AppServerEvent {
  type: string;
  notificationMethod: string;
  [key: string]: unknown;
}

/** What `subscribe` returns. */
export interface EventSubscription {
  unsubscribe(): void;
}

/** Turns a notification into an {@link AppServerEvent}; `type` and `notificationMethod` win over params keys. */
export function toAppServerEvent(method: string, params: unknown): AppServerEvent {
  const fields = params !== null && typeof params === "object" && !Array.isArray(params) ? params : {};
  return { ...fields, notificationMethod: method, type: method.replaceAll("/", ".") };
}

/**
 * Fan-out of events to subscribers, in emit order. A listener that throws is reported and
 * skipped; the others and the emitter carry on.
 */
export class EventStream<E> {
  readonly #listeners = new Set<(event: E) => void>();
  readonly #onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  /** Adds a listener; the same function subscribed twice is called twice. */
  subscribe(listener: (event: E) => void): EventSubscription {
    // Wrapping gives each subscription its own identity, so unsubscribe removes exactly one.
    const entry = (event: E): void => listener(event);
    this.#listeners.add(entry);
    return { unsubscribe: () => void this.#listeners.delete(entry) };
  }

  /** Delivers one event to every current listener. */
  emit(event: E): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        try {
          this.#onListenerError(error);
        } catch {
          // The error reporter itself failing must not stop delivery either.
        }
      }
    }
  }

  /** Number of current subscriptions. */
  get size(): number {
    return this.#listeners.size;
  }
}
