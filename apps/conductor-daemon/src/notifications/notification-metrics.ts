import type { NotificationAttempt } from "@baa/control-store";
import { Counter, type Registry } from "prom-client";

/** `conductor_notifications_total{outcome}`: delivered, retry (an attempt failed, another follows), failed (given up). */
export function registerNotificationMetrics(registry: Registry): (attempt: NotificationAttempt) => void {
  const counter = new Counter({
    name: "conductor_notifications_total",
    help: "Notification attempts this node made, by outcome: delivered, retry (failed, tried again later), failed (given up).",
    labelNames: ["outcome"],
    registers: [registry]
  });
  for (const outcome of ["delivered", "retry", "failed"]) counter.inc({ outcome }, 0);
  return (attempt) => counter.inc({ outcome: attempt.kind });
}
