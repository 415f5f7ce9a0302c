/** The monthly expiry reminder: who expires when, and which reminder emails were already sent. */
import { and, asc, eq, gt, gte, lt, lte, ne, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { accounts, establishments, expiryReminders } from '../schema';

/** Establishments with at least one (not deleted) account expiring between `first` and `last`, a page in id order. */
export async function establishmentsWithExpiries(db: Db, p: { first: string; last: string; afterId: string | null; limit: number }) {
  const rows = await db
    .selectDistinct({ id: accounts.establishmentId })
    .from(accounts)
    .where(
      and(
        gte(accounts.expiresOn, p.first),
        lte(accounts.expiresOn, p.last),
        ne(accounts.status, 'deleted'),
        p.afterId ? gt(accounts.establishmentId, p.afterId) : undefined,
      ),
    )
    .orderBy(asc(accounts.establishmentId))
    .limit(p.limit);
  return rows.map((r) => r.id);
}

const listed = {
  id: accounts.id,
  civility: accounts.civility,
  lastName: accounts.lastName,
  firstName: accounts.firstName,
  loginId: accounts.loginId,
  profile: accounts.profile,
  expiresOn: accounts.expiresOn,
};

/** The establishment's accounts expiring in [first, last], or (with `before`) already expired and not renewed. */
export async function accountsExpiring(db: Db, p: { establishmentId: string } & ({ first: string; last: string } | { before: string; limit: number })) {
  const range = 'before' in p ? lt(accounts.expiresOn, p.before) : and(gte(accounts.expiresOn, p.first), lte(accounts.expiresOn, p.last));
  const query = db
    .select(listed)
    .from(accounts)
    .where(and(eq(accounts.establishmentId, p.establishmentId), ne(accounts.status, 'deleted'), range))
    .orderBy(asc(accounts.expiresOn), sql`lower(${accounts.lastName})`, asc(accounts.loginId));
  return 'before' in p ? query.limit(p.limit) : query;
}

export async function findEstablishmentName(db: Db, id: string) {
  const [row] = await db.select({ name: establishments.name, siret: establishments.siret }).from(establishments).where(eq(establishments.id, id));
  return row;
}

/**
 * Claims the reminder of (establishment, month, recipient): the row is written before the email goes
 * out, so a second run finds it. Returns whether it was already sent (by an earlier run or attempt).
 */
export async function claimReminder(
  db: Db,
  r: { establishmentId: string; expiryMonth: string; recipientAccountId: string; idempotencyKey: string },
): Promise<{ alreadySent: boolean }> {
  await db.insert(expiryReminders).values(r).onConflictDoNothing();
  const [row] = await db
    .select({ sentAt: expiryReminders.sentAt })
    .from(expiryReminders)
    .where(
      and(
        eq(expiryReminders.establishmentId, r.establishmentId),
        eq(expiryReminders.expiryMonth, r.expiryMonth),
        eq(expiryReminders.recipientAccountId, r.recipientAccountId),
      ),
    );
  return { alreadySent: row?.sentAt != null };
}

export async function markReminderSent(db: Db, r: { establishmentId: string; expiryMonth: string; recipientAccountId: string; emailId: string; at: Date }) {
  await db
    .update(expiryReminders)
    .set({ emailId: r.emailId, sentAt: r.at })
    .where(
      and(
        eq(expiryReminders.establishmentId, r.establishmentId),
        eq(expiryReminders.expiryMonth, r.expiryMonth),
        eq(expiryReminders.recipientAccountId, r.recipientAccountId),
      ),
    );
}
