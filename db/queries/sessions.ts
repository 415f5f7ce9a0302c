import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { builtOncePerHandle } from '../prepared';
import { accounts, sessions } from '../schema';
import { effectiveStatus } from './account-status';

export async function createSession(db: Db, params: { accountId: string; tokenHash: string; expiresAt: Date }) {
  const [row] = await db.insert(sessions).values(params).returning({ id: sessions.id });
  return row!;
}

/**
 * Every authenticated request runs this look-up first: built once per database handle, only its
 * values change.
 */
const liveSessionQuery = builtOncePerHandle((db: Db) => {
  const now = sql.placeholder('now');
  const status = effectiveStatus(sql.placeholder('today'), now);
  return db
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
        eq(sessions.tokenHash, sql.placeholder('tokenHash')),
        isNull(sessions.revokedAt),
        sql`${sessions.expiresAt} > ${now}::timestamptz`,
        sql`${status} in ('active', 'blocked')`,
      ),
    )
    .prepare('find_live_session');
});

/**
 * The session and its account, if the token is live and the account may still use the platform.
 * A blocked account keeps its open sessions: the lockout stops password guessing, and must not let
 * an anonymous caller who types wrong passwords end the holder's work (README, "Throttling and lockout").
 */
export async function findLiveSession(db: Db, params: { tokenHash: string; now: Date; today: string }) {
  const [row] = await liveSessionQuery(db).execute({ tokenHash: params.tokenHash, now: params.now.toISOString(), today: params.today });
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
