import { and, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { delegations } from '../schema';

/** True when `delegatingId` has an accepted delegation to `centralId`. */
export async function hasAcceptedDelegation(db: Db, centralId: string, delegatingId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: delegations.id })
    .from(delegations)
    .where(
      and(
        eq(delegations.centralEstablishmentId, centralId),
        eq(delegations.delegatingEstablishmentId, delegatingId),
        eq(delegations.status, 'accepted'),
      ),
    )
    .limit(1);
  return row !== undefined;
}
