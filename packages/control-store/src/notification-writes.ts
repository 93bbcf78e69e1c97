import { randomUUID } from "node:crypto";
import type { ClaimedNotification, NotificationAttempt, NotificationStats } from "./notification-records.js";
import { isoOf, toTaskRecord } from "./row-mapping.js";
import { addMs, normalizeTime, rowLocks, type StoreContext } from "./store-context.js";

/**
 * Turns outbox events (written by the trigger on `tasks.state`) into one delivery per URL: the
 * node's `urls` and the task's own `notify`, each once. The body (`{event, task}`, the task as it
 * is now) is fixed here, so every attempt sends and signs the same bytes. One transaction per
 * batch; on PostgreSQL, rows another node is preparing are skipped.
 */
export async function prepareNotifications(
  ctx: StoreContext,
  options: { urls: readonly string[]; retryForMs: number; limit: number }
): Promise<number> {
  return ctx.write(async (trx, now) => {
    const events = await trx
      .selectFrom("notification_events")
      .selectAll()
      .orderBy("seq")
      .limit(options.limit)
      .$if(rowLocks(ctx.kind), (qb) => qb.forUpdate().skipLocked())
      .execute();
    let made = 0;
    for (const event of events) {
      const task = await trx
        .selectFrom("tasks")
        .selectAll()
        .where("task_id", "=", event.task_id)
        .executeTakeFirst();
      if (task) {
        const record = toTaskRecord(task);
        const urls = [...new Set([...options.urls, ...record.notify])];
        const body = JSON.stringify({ event: event.event, task: record });
        // Retries stop retryForMs after the event (or after now, for an event stamped later).
        const firstTryMs = Math.min(new Date(event.occurred_at).getTime(), Date.parse(now));
        const giveUpAt = new Date(firstTryMs + options.retryForMs).toISOString();
        for (const url of urls) {
          await trx
            .insertInto("notification_deliveries")
            .values({
              delivery_id: `delivery-${randomUUID()}`,
              task_id: event.task_id,
              event: event.event,
              url,
              body,
              state: "pending",
              attempts: 0,
              next_attempt_at: now,
              give_up_at: giveUpAt,
              lease_token: null,
              lease_until: null,
              last_status: null,
              last_error: null,
              last_attempt_at: null,
              last_failed_at: null,
              created_at: now,
              finished_at: null
            })
            .execute();
          made += 1;
        }
      }
      await trx.deleteFrom("notification_events").where("seq", "=", event.seq).execute();
    }
    return made;
  });
}

/**
 * Claims up to `limit` due deliveries for one attempt each, leased for `leaseMs`: no other node
 * claims them until the lease ends (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite is one node).
 */
export async function claimNotifications(
  ctx: StoreContext,
  options: { leaseMs: number; limit: number }
): Promise<ClaimedNotification[]> {
  if (!(options.leaseMs > 0)) throw new TypeError("leaseMs must be positive");
  return ctx.write(async (trx, now) => {
    const due = await trx
      .selectFrom("notification_deliveries")
      .selectAll()
      .where("state", "=", "pending")
      .where("next_attempt_at", "<=", now)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]))
      .orderBy("next_attempt_at")
      .limit(options.limit)
      .$if(rowLocks(ctx.kind), (qb) => qb.forUpdate().skipLocked())
      .execute();
    const claimed: ClaimedNotification[] = [];
    for (const row of due) {
      const leaseToken = randomUUID();
      const attempts = Number(row.attempts) + 1;
      await trx
        .updateTable("notification_deliveries")
        .set({ lease_token: leaseToken, lease_until: addMs(now, options.leaseMs), attempts })
        .where("delivery_id", "=", row.delivery_id)
        .execute();
      claimed.push({
        deliveryId: row.delivery_id,
        taskId: row.task_id,
        event: row.event,
        url: row.url,
        body: row.body,
        attempts,
        giveUpAt: isoOf(row.give_up_at),
        leaseToken
      });
    }
    return claimed;
  });
}

/** Records an attempt's end; false (nothing changed) when the claim is no longer this one's. */
export async function settleNotification(
  ctx: StoreContext,
  claim: { deliveryId: string; leaseToken: string },
  attempt: NotificationAttempt
): Promise<boolean> {
  const nextAttemptAt =
    attempt.kind === "retry" ? normalizeTime(attempt.nextAttemptAt, "nextAttemptAt") : null;
  return ctx.write(async (trx, now) => {
    // last_status and last_error describe the last failed attempt, kept after a later delivery.
    const base = { lease_token: null, lease_until: null };
    const failedStatus = { last_status: attempt.status };
    const set =
      attempt.kind === "delivered"
        ? { ...base, state: "delivered", finished_at: now }
        : attempt.kind === "retry"
          ? {
              ...base,
              ...failedStatus,
              last_error: attempt.error.slice(0, 2000),
              last_failed_at: now,
              next_attempt_at: nextAttemptAt as string
            }
          : {
              ...base,
              ...failedStatus,
              state: "failed",
              last_error: attempt.error.slice(0, 2000),
              last_failed_at: now,
              finished_at: now
            };
    const result = await trx
      .updateTable("notification_deliveries")
      .set({ ...set, last_attempt_at: now })
      .where("delivery_id", "=", claim.deliveryId)
      .where("lease_token", "=", claim.leaseToken)
      .where("state", "=", "pending")
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  });
}

export async function notificationStats(ctx: StoreContext): Promise<NotificationStats> {
  const counts = await ctx.db
    .selectFrom("notification_deliveries")
    .select(["state", (eb) => eb.fn.countAll<number | string>().as("n")])
    .groupBy("state")
    .execute();
  const events = await ctx.db
    .selectFrom("notification_events")
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .executeTakeFirstOrThrow();
  const by = new Map(counts.map((row) => [row.state, Number(row.n)]));
  const failure = await ctx.db
    .selectFrom("notification_deliveries")
    .selectAll()
    .where("last_failed_at", "is not", null)
    .orderBy("last_failed_at", "desc")
    .limit(1)
    .executeTakeFirst();
  return {
    pending: (by.get("pending") ?? 0) + Number(events.n),
    delivered: by.get("delivered") ?? 0,
    failed: by.get("failed") ?? 0,
    lastFailure:
      failure === undefined
        ? null
        : {
            deliveryId: failure.delivery_id,
            taskId: failure.task_id,
            event: failure.event,
            url: failure.url,
            attempts: Number(failure.attempts),
            status: failure.last_status === null ? null : Number(failure.last_status),
            error: failure.last_error ?? "",
            at: isoOf(failure.last_failed_at ?? failure.created_at)
          }
  };
}

/** Removes deliveries that ended (delivered or failed) before `olderThan`; returns how many. */
export async function purgeNotifications(ctx: StoreContext, olderThan: string): Promise<number> {
  const before = normalizeTime(olderThan, "olderThan") as string;
  return ctx.write(async (trx) => {
    const result = await trx
      .deleteFrom("notification_deliveries")
      .where("state", "in", ["delivered", "failed"])
      .where("finished_at", "<", before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  });
}
