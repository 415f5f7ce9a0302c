/** Database look-ups shared by the account tests: they assert on what is stored, not only on answers. */
import { and, asc, count, eq } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { accountRights, accounts, adminRegistrations, auditEvents, delegations, establishments, idempotencyKeys, sessions } from '../../../db/schema';

export async function accountRow(db: Database, id: string) {
  const [row] = await db.select().from(accounts).where(eq(accounts.id, id));
  return row!;
}

export async function rightsRows(db: Database, accountId: string) {
  const rows = await db.select().from(accountRights).where(eq(accountRights.accountId, accountId));
  return Object.fromEntries(rows.map((r) => [r.serviceCode, r.level]));
}

export async function auditOf(db: Database, establishmentId: string) {
  return db.select().from(auditEvents).where(eq(auditEvents.establishmentId, establishmentId)).orderBy(asc(auditEvents.id));
}

export async function countAccounts(db: Database, establishmentId: string) {
  const [row] = await db.select({ n: count() }).from(accounts).where(eq(accounts.establishmentId, establishmentId));
  return row!.n;
}

export async function registrationsOf(db: Database, accountId: string) {
  return db.select().from(adminRegistrations).where(eq(adminRegistrations.accountId, accountId));
}

export async function liveSessions(db: Database, accountId: string) {
  const rows = await db.select().from(sessions).where(eq(sessions.accountId, accountId));
  return rows.filter((s) => s.revokedAt === null);
}

export async function idempotencyRows(db: Database, actorAccountId: string, key: string) {
  return db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.actorAccountId, actorAccountId), eq(idempotencyKeys.key, key)));
}

/** A day in the past, so that the account shows as expired. */
export async function expire(db: Database, accountId: string, on = '2020-03-06') {
  await db.update(accounts).set({ expiresOn: on }).where(eq(accounts.id, accountId));
}

export const ADDRESS = ['Mairie de Test', '1 place de la Mairie', '44000 NANTES'];

/** An accepted delegation: it counts while the delegating establishment is attached to the central one. */
export async function delegate(db: Database, centralId: string, delegatingId: string) {
  await db.update(establishments).set({ centralEstablishmentId: centralId }).where(eq(establishments.id, delegatingId));
  await db.insert(delegations).values({
    centralEstablishmentId: centralId,
    delegatingEstablishmentId: delegatingId,
    status: 'accepted',
    workflowId: `delegation-test-${delegatingId}`,
  });
}
