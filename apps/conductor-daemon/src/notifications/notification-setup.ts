import type { ControlStore } from "@baa/control-store";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { ConductorConfig } from "../config.js";
import type { ClockTimers } from "@baa/clock";
import { NotificationDispatcher, type NotificationDispatcherOptions } from "./notification-dispatcher.js";
import { registerNotificationMetrics } from "./notification-metrics.js";

/** Retries: 2 s doubling to 5 min, half jittered, within notifyRetryForMs. */
export const NOTIFY_BACKOFF = { baseMs: 2_000, maxMs: 5 * 60 * 1000, jitter: "half" } as const;

/** The node's dispatcher from its config, counting attempts in `conductor_notifications_total`. */
export function createNotificationDispatcher(options: {
  config: ConductorConfig;
  store: ControlStore;
  registry: Registry;
  timers: ClockTimers;
  logger: Logger;
  overrides?: Partial<Pick<NotificationDispatcherOptions, "backoff" | "send" | "pollMs">>;
}): NotificationDispatcher {
  const { config } = options;
  const count = registerNotificationMetrics(options.registry);
  return new NotificationDispatcher({
    store: options.store,
    urls: config.notifyUrls,
    secret: config.notifySecret,
    retryForMs: config.notifyRetryForMs,
    timeoutMs: config.notifyTimeoutMs,
    backoff: NOTIFY_BACKOFF,
    pollMs: 1_000,
    timers: options.timers,
    logger: options.logger,
    onAttempt: count,
    ...options.overrides
  });
}
