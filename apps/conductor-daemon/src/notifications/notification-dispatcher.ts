import type { BackoffPolicy } from "@baa/backoff";
import type { ClaimedNotification, ControlStore, NotificationAttempt } from "@baa/control-store";
import type { Logger } from "pino";
import type { ClockTimers } from "@baa/clock";
import { notificationHeaders } from "./notification-signature.js";
import { decideAttempt, type SendResult } from "./notification-policy.js";

export type NotificationStore = Pick<
  ControlStore,
  "prepareNotifications" | "claimNotifications" | "settleNotification" | "purgeNotifications"
>;

/** Sends one POST; resolves with its status or the error, never rejects. */
export type NotificationSender = (
  url: string,
  init: { headers: Record<string, string>; body: string; timeoutMs: number }
) => Promise<SendResult>;

export interface NotificationDispatcherOptions {
  store: NotificationStore;
  /** BAA_NOTIFY_URLS. */
  urls: readonly string[];
  /** BAA_NOTIFY_SECRET; undefined: no signature header. */
  secret: string | undefined;
  /** How long after its event a delivery is still tried (BAA_NOTIFY_RETRY_FOR_MS). */
  retryForMs: number;
  /** Each attempt's timeout (BAA_NOTIFY_TIMEOUT_MS); the claim's lease is longer. */
  timeoutMs: number;
  backoff: BackoffPolicy;
  pollMs: number;
  /** How long finished deliveries are kept (status, last failure). */
  keepMs?: number;
  send?: NotificationSender;
  timers: ClockTimers;
  logger: Logger;
  /** Told of every attempt's outcome (the metrics). */
  onAttempt?: (attempt: NotificationAttempt, delivery: ClaimedNotification) => void;
  random?: () => number;
}

const BATCH = 20;

/** The real sender: fetch with the timeout; redirects are not followed (a 3xx is a failure). */
export const fetchSender: NotificationSender = async (url, init) => {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: init.headers,
      body: init.body,
      redirect: "manual",
      signal: AbortSignal.timeout(init.timeoutMs)
    });
    await response.body?.cancel().catch(() => undefined);
    return { kind: "status", status: response.status };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return {
      kind: "error",
      message:
        (error as Error).name === "TimeoutError"
          ? `no answer within ${init.timeoutMs} ms`
          : `${(error as Error).message}${cause ? ` (${cause})` : ""}`
    };
  }
};

/**
 * Runs on every node: turns outbox events into deliveries, claims due ones (each leased to this
 * node for one attempt, the lease longer than the attempt's timeout, so two nodes never send one
 * row at once), POSTs them and records the outcome. Its own loop: a slow receiver never holds up
 * the scheduler or a request.
 */
export class NotificationDispatcher {
  readonly #o: NotificationDispatcherOptions;
  readonly #log: Logger;
  readonly #send: NotificationSender;
  #timer: unknown;
  #running = false;
  #ticking: Promise<void> | undefined;
  #failing = false;
  #purgedAt = -Infinity;

  constructor(options: NotificationDispatcherOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: "notifications" });
    this.#send = options.send ?? fetchSender;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#arm(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#ticking;
  }

  /** One pass now (after the one in progress); resolves when its attempts are recorded. */
  async tick(): Promise<void> {
    while (this.#ticking !== undefined) await this.#ticking;
    this.#ticking = this.#pass().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  #arm(ms: number): void {
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#timer = undefined;
      if (!this.#running) return;
      void this.tick().finally(() => {
        if (this.#running) this.#arm(this.#o.pollMs);
      });
    }, ms);
  }

  async #pass(): Promise<void> {
    const { store } = this.#o;
    let claimed: ClaimedNotification[];
    try {
      await store.prepareNotifications({ urls: this.#o.urls, retryForMs: this.#o.retryForMs, limit: BATCH });
      claimed = await store.claimNotifications({ leaseMs: this.#o.timeoutMs * 2 + 5_000, limit: BATCH });
      await this.#purge();
      if (this.#failing) this.#log.info("the notification outbox is read again");
      this.#failing = false;
    } catch (error) {
      if (!this.#failing)
        this.#log.warn(
          { err: error },
          "could not read the notification outbox; trying again at the next poll"
        );
      this.#failing = true;
      return;
    }
    await Promise.all(claimed.map((delivery) => this.#attempt(delivery)));
  }

  async #attempt(delivery: ClaimedNotification): Promise<void> {
    const { timers } = this.#o;
    const result = await this.#send(delivery.url, {
      headers: notificationHeaders(delivery, this.#o.secret),
      body: delivery.body,
      timeoutMs: this.#o.timeoutMs
    });
    const attempt = decideAttempt(
      result,
      delivery.attempts,
      delivery.giveUpAt,
      timers.wallNow(),
      this.#o.backoff,
      this.#o.random
    );
    const log = {
      deliveryId: delivery.deliveryId,
      event: delivery.event,
      taskId: delivery.taskId,
      url: delivery.url,
      attempts: delivery.attempts
    };
    try {
      const settled = await this.#o.store.settleNotification(delivery, attempt);
      if (!settled)
        this.#log.warn(log, "notification attempt outlived its claim; another node owns the delivery now");
    } catch (error) {
      // The claim's lease runs out and the delivery is tried again: at least once, never lost.
      this.#log.warn({ ...log, err: error }, "could not record a notification attempt");
    }
    if (attempt.kind === "delivered")
      this.#log.info({ ...log, status: attempt.status }, "notification delivered");
    else if (attempt.kind === "retry")
      this.#log.warn(
        { ...log, status: attempt.status, error: attempt.error, nextAttemptAt: attempt.nextAttemptAt },
        "notification attempt failed; will retry"
      );
    else this.#log.error({ ...log, status: attempt.status, error: attempt.error }, "notification given up");
    this.#o.onAttempt?.(attempt, delivery);
  }

  async #purge(): Promise<void> {
    const now = this.#o.timers.now();
    if (now - this.#purgedAt < 60_000) return;
    this.#purgedAt = now;
    const keepMs = this.#o.keepMs ?? 24 * 60 * 60 * 1000;
    await this.#o.store.purgeNotifications(new Date(this.#o.timers.wallNow() - keepMs).toISOString());
  }
}
