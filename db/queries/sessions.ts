import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { accounts, sessions } from '../schema';
import { effectiveStatus } from './account-status';

export async function createSession(db: Db, params: { accountId: string; tokenHash: string; expiresAt: Date }) {
  const [row] = await db.insert(sessions).values(params).returning({ id: sessions.id });
  return row!;
}

/**
 * The session and its account, if the token is live and the account may still use the platform.
 * A blocked account keeps its open sessions: the lockout stops password guessing, and must not let
 * an anonymous caller who types wrong passwords end the holder's work (README, "Throttling and lockout").
 */
export async function findLiveSession(db: Db, params: { tokenHash: string; now: Date; today: string }) {
  const status = effectiveStatus(params.today, params.now);
  const [row] = await db
    .select({
      sessionId: sessions.id,
      status,
      account: {
        id: accounts.id,
        establishmentId: accounts.establishmentId,
        loginId: accounts.loginId,
        profile: accounts.profile,
        civility: accounts.civility,
        firstName: accounts.firstName,
        lastName: accounts.lastName,
      },
    })
    .from(sessions)
    .innerJoin(accounts, eq(accounts.id, sessions.accountId))
    .where(
      and(
        eq(sessions.tokenHash, params.tokenHash),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, params.now),
        sql`${status} in ('active', 'blocked')`,
      ),
    );
  return row;
}

export async function revokeSession(db: Db, sessionId: string, now: Date) {
  await db.update(sessions).set({ revokedAt: now }).where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
}

/** Deletion, profile change and password change end every open session of the account; returns how many. */
export async function revokeAccountSessions(db: Db, accountId: string, now: Date): Promise<number> {
  const revoked = await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.accountId, accountId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return revoked.length;
}
