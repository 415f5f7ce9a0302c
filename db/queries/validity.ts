/** Account validity as the validity workflow sees it: the stored expiry, and recording an expiry. */
import { and, asc, eq, gt, ne, sql } from 'drizzle-orm';
import type { Database, Db } from '../client';
import { builtOncePerHandle } from '../prepared';
import { accounts, auditEvents, establishments } from '../schema';
import { recordAudit } from './audit';
import { revokeAccountSessions } from './sessions';

export const EXPIRED_ACTION = 'account.expired';

/** Every created account's validity workflow reads it in its first task: built once per database handle. */
const accountValidityQuery = builtOncePerHandle((db: Database) =>
  db
    .select({ status: accounts.status, expiresOn: accounts.expiresOn, establishmentId: accounts.establishmentId })
    .from(accounts)
    .where(eq(accounts.id, sql.placeholder('accountId')))
    .prepare('account_validity'),
);

export async function accountValidity(db: Database, accountId: string) {
  const [row] = await accountValidityQuery(db).execute({ accountId });
  return row;
}

export type ExpiryRecord = { outcome: 'recorded' | 'gone' } | { outcome: 'moved'; expiresOn: string };

/**
 * Records that the account expired at the end of `expiresOn`: one `account.expired` entry (actor: the
 * platform, i.e. the workflow) and the holder's sessions revoked, in one transaction. Nothing happens
 * when the stored expiry is another day (`moved`: renewed meanwhile) or the account is gone; a retry
 * finds the entry already there and adds nothing.
 */
export async function recordExpiry(
  db: Database,
  input: { accountId: string; workflowId: string; expiresOn: string; expiredAt: string; now: Date },
): Promise<ExpiryRecord> {
  return db.transaction(async (tx) => {
    const [account] = await tx
      .select({ status: accounts.status, expiresOn: accounts.expiresOn, establishmentId: accounts.establishmentId })
      .from(accounts)
      .where(eq(accounts.id, input.accountId))
      .for('update');
    if (!account || account.status === 'deleted') return { outcome: 'gone' };
    if (account.expiresOn !== input.expiresOn) return { outcome: 'moved', expiresOn: account.expiresOn };
    const [already] = await tx
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.targetAccountId, input.accountId),
          eq(auditEvents.action, EXPIRED_ACTION),
          sql`${auditEvents.after}->>'expiresOn' = ${input.expiresOn}`,
        ),
      )
      .limit(1);
    if (already) return { outcome: 'recorded' };
    await revokeAccountSessions(tx, input.accountId, input.now);
    await recordAudit(tx, {
      actorType: 'system',
      actorLabel: input.workflowId,
      establishmentId: account.establishmentId,
      targetAccountId: input.accountId,
      action: EXPIRED_ACTION,
      outcome: 'success',
      before: { status: account.status, expiresOn: account.expiresOn },
      after: { status: 'expired', expiresOn: account.expiresOn },
      // expiredAt: the instant the workflow decided it (its timer), which the row's `at` follows closely.
      detail: { workflowId: input.workflowId, expiredAt: input.expiredAt, sessionsEnded: true },
    });
    return { outcome: 'recorded' };
  });
}

/** What a validity workflow's start needs of an account: the expiry the database holds now, and its SIRET. */
const TRACKED = { id: accounts.id, loginId: accounts.loginId, expiresOn: accounts.expiresOn, siret: establishments.siret };

/** A page of accounts that should have a validity workflow (not deleted), in id order, with their SIRET. */
export async function accountsToTrack(db: Db, p: { afterId: string | null; limit: number }) {
  return db
    .select(TRACKED)
    .from(accounts)
    .innerJoin(establishments, eq(establishments.id, accounts.establishmentId))
    .where(and(ne(accounts.status, 'deleted'), p.afterId ? gt(accounts.id, p.afterId) : undefined))
    .orderBy(asc(accounts.id))
    .limit(p.limit);
}

/** Read as each activation at creation ends (version 5): built once per database handle. */
const accountToTrackQuery = builtOncePerHandle((db: Database) =>
  db
    .select(TRACKED)
    .from(accounts)
    .innerJoin(establishments, eq(establishments.id, accounts.establishmentId))
    .where(and(eq(accounts.id, sql.placeholder('accountId')), ne(accounts.status, 'deleted')))
    .prepare('account_to_track'),
);

/** One account to track, if it exists and is not deleted (the same rule as the page above). */
export async function accountToTrack(db: Database, accountId: string) {
  const [row] = await accountToTrackQuery(db).execute({ accountId });
  return row;
}
