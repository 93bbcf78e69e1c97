import type { SystemMode, SystemStateRecord } from "./records.js";
import { toSystemStateRecord } from "./row-mapping.js";
import { normalizeTime, type StoreContext } from "./store-context.js";

export async function getSystemState(ctx: StoreContext): Promise<SystemStateRecord> {
  const row = await ctx.db
    .selectFrom("system_state")
    .selectAll()
    .where("id", "=", 1)
    .executeTakeFirstOrThrow();
  return toSystemStateRecord(row);
}

/** Persisted, so the mode survives a restart; any node may set it (not a leader-only write). */
export async function setSystemMode(
  ctx: StoreContext,
  mode: SystemMode,
  reason?: string | null
): Promise<SystemStateRecord> {
  return ctx.write(async (trx, now) => {
    const row = await trx
      .updateTable("system_state")
      .set({ mode, reason: reason ?? null, changed_at: now })
      .where("id", "=", 1)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSystemStateRecord(row);
  });
}

export async function setQuotaPause(
  ctx: StoreContext,
  until: string | null,
  reason?: string | null
): Promise<SystemStateRecord> {
  const normalized = normalizeTime(until, "until");
  return ctx.write(async (trx) => {
    const row = await trx
      .updateTable("system_state")
      .set({ quota_paused_until: normalized, quota_reason: normalized === null ? null : (reason ?? null) })
      .where("id", "=", 1)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSystemStateRecord(row);
  });
}
