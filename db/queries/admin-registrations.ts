/** The administrator registrations: their letters, posting, opposition window and outcome. */
import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, lte, sql, type SQL } from 'drizzle-orm';
import { registrationReference } from '../../domain/admin-registration';
import type { Db } from '../client';
import { accounts, adminRegistrations, type AdminRegistration, establishments } from '../schema';

const OPEN = ['pending', 'letter_sent'] as const;

/** Records a new admin grant with its reference (from a platform-wide sequence, never re-used). */
export async function insertAdminRegistration(
  db: Db,
  values: { accountId: string; establishmentId: string; reason: 'created' | 'promoted'; grantedByAccountId: string | null; grantedAt: Date },
): Promise<{ id: string; reference: string }> {
  const [{ n }] = (await db.execute(sql`select nextval('admin_registration_ref_seq')::int as n`)) as unknown as [{ n: number }];
  const [row] = await db
    .insert(adminRegistrations)
    .values({ ...values, reference: registrationReference(n) })
    .returning({ id: adminRegistrations.id, reference: adminRegistrations.reference });
  return { id: row!.id, reference: row!.reference! };
}

/** The account's registration still open (letter waiting or window running), if any. */
export async function findOpenRegistration(db: Db, accountId: string) {
  const [row] = await db
    .select({ id: adminRegistrations.id, reference: adminRegistrations.reference, reason: adminRegistrations.reason })
    .from(adminRegistrations)
    .where(and(eq(adminRegistrations.accountId, accountId), inArray(adminRegistrations.status, [...OPEN])))
    .orderBy(desc(adminRegistrations.createdAt))
    .limit(1);
  return row;
}

/** Everything the letter prints: the registration, the new admin, who granted it, the establishment. */
export async function registrationForLetter(db: Db, id: string) {
  const [row] = await db
    .select({ registration: adminRegistrations, account: accounts, establishment: establishments })
    .from(adminRegistrations)
    .innerJoin(accounts, eq(accounts.id, adminRegistrations.accountId))
    .innerJoin(establishments, eq(establishments.id, adminRegistrations.establishmentId))
    .where(eq(adminRegistrations.id, id));
  if (!row) return undefined;
  const grantedBy = row.registration.grantedByAccountId;
  const [grantor] = grantedBy
    ? await db
        .select({ civility: accounts.civility, firstName: accounts.firstName, lastName: accounts.lastName, loginId: accounts.loginId })
        .from(accounts)
        .where(eq(accounts.id, grantedBy))
    : [];
  return { ...row, grantor: grantor ?? null };
}

export async function updateRegistration(db: Db, id: string, set: Partial<typeof adminRegistrations.$inferInsert>) {
  const [row] = await db
    .update(adminRegistrations)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(adminRegistrations.id, id))
    .returning();
  return row!;
}

/** Stores the letter once: a retried activity keeps the first PDF, the one that may already be printed. */
export async function storeLetterOnce(
  db: Db,
  id: string,
  letter: { letterPdf: Buffer; letterDate: string; statedDeadline: string; workflowId: string },
): Promise<void> {
  await db
    .update(adminRegistrations)
    .set({ ...letter, updatedAt: new Date() })
    .where(and(eq(adminRegistrations.id, id), isNull(adminRegistrations.letterPdf)));
}

export type LetterState = 'waiting' | 'posted' | 'all';

export interface LetterFilters {
  state: LetterState;
  /** Letter dates from / to (Paris days, inclusive). */
  from?: string;
  to?: string;
  establishmentId?: string;
  page: number;
  pageSize: number;
}

/** The operator's list of letters: waiting ones are those generated, not posted, registration still open. */
export async function listLetters(db: Db, f: LetterFilters) {
  const conditions: SQL[] = [isNotNull(adminRegistrations.letterPdf)];
  if (f.state === 'waiting') conditions.push(isNull(adminRegistrations.postedOn), eq(adminRegistrations.status, 'pending'));
  if (f.state === 'posted') conditions.push(isNotNull(adminRegistrations.postedOn));
  if (f.from) conditions.push(gte(adminRegistrations.letterDate, f.from));
  if (f.to) conditions.push(lte(adminRegistrations.letterDate, f.to));
  if (f.establishmentId) conditions.push(eq(adminRegistrations.establishmentId, f.establishmentId));
  const where = and(...conditions);
  const items = await db
    .select({
      id: adminRegistrations.id,
      reference: adminRegistrations.reference,
      reason: adminRegistrations.reason,
      status: adminRegistrations.status,
      letterDate: adminRegistrations.letterDate,
      statedDeadline: adminRegistrations.statedDeadline,
      letterOverdueAt: adminRegistrations.letterOverdueAt,
      postedOn: adminRegistrations.postedOn,
      oppositionDeadline: adminRegistrations.oppositionDeadline,
      letterSize: sql<number>`octet_length(${adminRegistrations.letterPdf})::int`,
      loginId: accounts.loginId,
      establishmentId: establishments.id,
      siret: establishments.siret,
      establishmentName: establishments.name,
    })
    .from(adminRegistrations)
    .innerJoin(accounts, eq(accounts.id, adminRegistrations.accountId))
    .innerJoin(establishments, eq(establishments.id, adminRegistrations.establishmentId))
    .where(where)
    .orderBy(asc(adminRegistrations.letterDate), asc(adminRegistrations.reference))
    .limit(f.pageSize)
    .offset((f.page - 1) * f.pageSize);
  const [counted] = await db.select({ total: sql<number>`count(*)::int` }).from(adminRegistrations).where(where);
  return { items, total: counted?.total ?? 0 };
}

/** The PDFs of these references, in the order asked; unknown references are left out. */
export async function letterPdfs(db: Db, references: string[]) {
  const rows = await db
    .select({ reference: adminRegistrations.reference, letterPdf: adminRegistrations.letterPdf, loginId: accounts.loginId })
    .from(adminRegistrations)
    .innerJoin(accounts, eq(accounts.id, adminRegistrations.accountId))
    .where(and(inArray(adminRegistrations.reference, references), isNotNull(adminRegistrations.letterPdf)));
  const byRef = new Map(rows.map((r) => [r.reference!, r]));
  return references.flatMap((ref) => (byRef.has(ref) ? [{ ...byRef.get(ref)!, reference: ref, letterPdf: byRef.get(ref)!.letterPdf! }] : []));
}

/** A registration by its reference, or the latest one of a login id, with its account and establishment. */
export async function findRegistration(db: Db, by: { reference?: string; loginId?: string }) {
  const condition = by.reference ? eq(adminRegistrations.reference, by.reference) : eq(accounts.loginId, by.loginId ?? '');
  const [row] = await db
    .select({ registration: adminRegistrations, loginId: accounts.loginId, siret: establishments.siret })
    .from(adminRegistrations)
    .innerJoin(accounts, eq(accounts.id, adminRegistrations.accountId))
    .innerJoin(establishments, eq(establishments.id, adminRegistrations.establishmentId))
    .where(condition)
    .orderBy(desc(adminRegistrations.createdAt))
    .limit(1);
  return row as { registration: AdminRegistration; loginId: string; siret: string } | undefined;
}
