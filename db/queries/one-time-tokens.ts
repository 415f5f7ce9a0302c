import { and, eq, gt, isNull, ne } from 'drizzle-orm';
import type { Db } from '../client';
import { accounts, oneTimeTokens } from '../schema';

/** A link that has not been used or revoked yet (its workflow still decides whether it lives). */
export async function findOpenToken(db: Db, tokenHash: string) {
  const [row] = await db
    .select({ token: oneTimeTokens, account: { id: accounts.id, loginId: accounts.loginId, establishmentId: accounts.establishmentId } })
    .from(oneTimeTokens)
    .innerJoin(accounts, eq(accounts.id, oneTimeTokens.accountId))
    .where(and(eq(oneTimeTokens.tokenHash, tokenHash), isNull(oneTimeTokens.usedAt), isNull(oneTimeTokens.revokedAt)));
  return row;
}

export async function stagePassword(db: Db, tokenId: string, passwordHash: string) {
  await db.update(oneTimeTokens).set({ stagedPasswordHash: passwordHash }).where(eq(oneTimeTokens.id, tokenId));
}

/**
 * The link a password page may show its form for: open, not past its expiry, and its account not
 * deleted. The workflow still has the last word when the password is sent.
 */
export async function findLivingLink(db: Db, tokenHash: string, now: Date) {
  const [row] = await db
    .select({ purpose: oneTimeTokens.purpose })
    .from(oneTimeTokens)
    .innerJoin(accounts, eq(accounts.id, oneTimeTokens.accountId))
    .where(
      and(
        eq(oneTimeTokens.tokenHash, tokenHash),
        isNull(oneTimeTokens.usedAt),
        isNull(oneTimeTokens.revokedAt),
        gt(oneTimeTokens.expiresAt, now),
        ne(accounts.status, 'deleted'),
      ),
    );
  return row;
}
