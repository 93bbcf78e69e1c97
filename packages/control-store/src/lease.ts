import type { HeldLease } from "./control-store.js";
import type { LeaseRecord } from "./records.js";
import { isoOf, toLeaseRecord } from "./row-mapping.js";
import { addMs, rowLocks, type StoreContext, type Trx } from "./store-context.js";

/**
 * The lease row held by `holder` with `term` (and unexpired at `now` unless null). `share`
 * (invariant 2, leader-only writes): on PostgreSQL the row is share-locked, so a takeover (an
 * UPDATE of that row) waits until this transaction ends. `read`: a plain read of the latest
 * committed row, which never holds up a renewal or a takeover (run writes; see the README on
 * why fencing by term stays exact without the lock).
 */
export async function holdsLease(
  ctx: StoreContext,
  trx: Trx,
  lease: { scope: string; holder: string; term: number },
  now: string | null,
  mode: "share" | "read"
): Promise<boolean> {
  const row = await trx
    .selectFrom("leases")
    .select("term")
    .where("scope", "=", lease.scope)
    .where("holder", "=", lease.holder)
    .where("term", "=", lease.term)
    .$if(now !== null, (qb) => qb.where("expires_at", ">", now as string))
    .$if(mode === "share" && rowLocks(ctx.kind), (qb) => qb.forShare())
    .executeTakeFirst();
  return row !== undefined;
}

/** The lease protocol: renew keeps the term, a takeover of a free or expired lease increments it. */
export async function acquireLease(
  ctx: StoreContext,
  options: { scope: string; holder: string; ttlMs: number; newTerm?: boolean }
): Promise<HeldLease | null> {
  if (!(options.ttlMs > 0)) throw new TypeError("ttlMs must be positive");
  return ctx.writeLease(async (trx, now) => {
    const take = () =>
      trx
        .updateTable("leases")
        .set((eb) => ({
          holder: options.holder,
          term: options.newTerm
            ? eb("term", "+", 1)
            : eb
                .case()
                .when("holder", "=", options.holder)
                .then(eb.ref("term"))
                .else(eb("term", "+", 1))
                .end(),
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
    // A renewal is this one UPDATE (the row exists after the first acquire): as few round trips
    // as a loaded machine allows inside the TTL.
    let row = await take();
    if (!row) {
      const inserted = await trx
        .insertInto("leases")
        .values({ scope: options.scope, holder: null, term: 0, expires_at: null })
        .onConflict((oc) => oc.column("scope").doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) row = await take();
    }
    if (!row || row.expires_at === null) return null;
    return {
      scope: row.scope,
      holder: options.holder,
      term: Number(row.term),
      expiresAt: isoOf(row.expires_at)
    };
  });
}

export async function releaseLease(
  ctx: StoreContext,
  options: { scope: string; holder: string; term: number }
): Promise<boolean> {
  return ctx.writeLease(async (trx) => {
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
