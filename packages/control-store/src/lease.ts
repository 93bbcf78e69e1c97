import type { HeldLease } from "./control-store.js";
import type { LeaseRecord } from "./records.js";
import { isoOf, toLeaseRecord } from "./row-mapping.js";
import { addMs, rowLocks, type StoreContext, type Trx } from "./store-context.js";

/**
 * Invariant 2: the lease row held by `holder` with `term` and unexpired at `now`. On PostgreSQL
 * it is share-locked, so a takeover (an UPDATE of that row) waits until this transaction ends.
 */
export async function holdsLease(
  ctx: StoreContext,
  trx: Trx,
  lease: { scope: string; holder: string; term: number },
  now: string | null
): Promise<boolean> {
  const row = await trx
    .selectFrom("leases")
    .select("term")
    .where("scope", "=", lease.scope)
    .where("holder", "=", lease.holder)
    .where("term", "=", lease.term)
    .$if(now !== null, (qb) => qb.where("expires_at", ">", now as string))
    .$if(rowLocks(ctx.kind), (qb) => qb.forShare())
    .executeTakeFirst();
  return row !== undefined;
}

/** The lease protocol: renew keeps the term, a takeover of a free or expired lease increments it. */
export async function acquireLease(
  ctx: StoreContext,
  options: { scope: string; holder: string; ttlMs: number; newTerm?: boolean }
): Promise<HeldLease | null> {
  if (!(options.ttlMs > 0)) throw new TypeError("ttlMs must be positive");
  return ctx.write(async (trx, now) => {
    await trx
      .insertInto("leases")
      .values({ scope: options.scope, holder: null, term: 0, expires_at: null })
      .onConflict((oc) => oc.column("scope").doNothing())
      .execute();
    const row = await trx
      .updateTable("leases")
      .set((eb) => ({
        holder: options.holder,
        term: options.newTerm
          ? eb("term", "+", 1)
          : eb.case().when("holder", "=", options.holder).then(eb.ref("term")).else(eb("term", "+", 1)).end(),
        expires_at: addMs(now, options.ttlMs)
      }))
      .where("scope", "=", options.scope)
      .where((eb) =>
        eb.or([
          eb("holder", "=", options.holder),
          eb("holder", "is", null),
          eb("expires_at", "is", null),
          eb("expires_at", "<=", now)
        ])
      )
      .returningAll()
      .executeTakeFirst();
    if (!row || row.expires_at === null) return null;
    return { scope: row.scope, holder: options.holder, term: Number(row.term), expiresAt: isoOf(row.expires_at) };
  });
}

export async function releaseLease(ctx: StoreContext, options: { scope: string; holder: string; term: number }): Promise<boolean> {
  return ctx.write(async (trx) => {
    const result = await trx
      .updateTable("leases")
      .set({ holder: null, expires_at: null })
      .where("scope", "=", options.scope)
      .where("holder", "=", options.holder)
      .where("term", "=", options.term)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  });
}

export async function getLease(ctx: StoreContext, scope: string): Promise<LeaseRecord | null> {
  const row = await ctx.db.selectFrom("leases").selectAll().where("scope", "=", scope).executeTakeFirst();
  return row ? toLeaseRecord(row) : null;
}
