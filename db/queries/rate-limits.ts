import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { rateLimits } from '../schema';

/**
 * Counts one hit on `key` in a fixed window of `windowSeconds` (one atomic statement, safe across
 * instances) and returns the hits of the current window and when it ends.
 */
export async function hitRateLimit(db: Db, key: string, windowSeconds: number, now: Date) {
  const windowStart = sql`${now.toISOString()}::timestamptz - make_interval(secs => ${windowSeconds})`;
  const [row] = await db
    .insert(rateLimits)
    .values({ key, windowStartedAt: now, hits: 1 })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        hits: sql`case when ${rateLimits.windowStartedAt} <= ${windowStart} then 1 else ${rateLimits.hits} + 1 end`,
        windowStartedAt: sql`case when ${rateLimits.windowStartedAt} <= ${windowStart} then excluded.window_started_at else ${rateLimits.windowStartedAt} end`,
      },
    })
    .returning({ hits: rateLimits.hits, windowStartedAt: rateLimits.windowStartedAt });
  return { hits: row!.hits, windowEndsAt: new Date(row!.windowStartedAt.getTime() + windowSeconds * 1000) };
}

/** Counters whose window ended long ago are of no use: called now and then, so the table stays small. */
export async function purgeRateLimits(db: Db, olderThan: Date) {
  await db.delete(rateLimits).where(sql`${rateLimits.windowStartedAt} < ${olderThan.toISOString()}::timestamptz`);
}
