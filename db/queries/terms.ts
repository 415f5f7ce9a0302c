import { and, asc, count, desc, eq, gt, isNull, sql, type SQL } from 'drizzle-orm';
import type { Readable } from 'node:stream';
import { TERMS_STANDING_LABELS, type TermsStanding } from '../../domain/terms';
import type { Database, Db } from '../client';
import { copyCsv } from '../copy-csv';
import { csvCell, csvColumns, csvDate, csvDayOf, labelOf } from '../csv-cells';
import { accounts, establishments, establishmentTerms, type NewTermsVersion, termsVersions } from '../schema';
import { effectiveStatus } from './account-status';

/**
 * Held by a publication until it commits: registrations (inserts into establishments) wait for it and
 * the reverse, so that every establishment gets the new version, from the publication or from its
 * own registration.
 */
export async function lockEstablishmentsForPublication(tx: Db): Promise<void> {
  await tx.execute(sql`lock table establishments in share mode`);
}

/** What routes and workflows read of a version: everything but the document itself. */
const versionColumns = {
  id: termsVersions.id,
  version: termsVersions.version,
  title: termsVersions.title,
  documentType: termsVersions.documentType,
  documentSha256: termsVersions.documentSha256,
  publishedAt: termsVersions.publishedAt,
  deadlineOn: termsVersions.deadlineOn,
  reminderDaysBefore: termsVersions.reminderDaysBefore,
  previousVersion: termsVersions.previousVersion,
};

export type TermsVersionSummary = { [K in keyof typeof versionColumns]: (typeof termsVersions.$inferSelect)[K] };

/**
 * pending → overdue on the deadline day → accepted once an admin accepted. The only place this rule
 * lives: the notice, the login check and the operator's list all read it.
 */
export function termsStandingSql(today: string): SQL<TermsStanding> {
  return sql<TermsStanding>`(case
    when ${establishmentTerms.acceptedAt} is not null then 'accepted'
    when ${establishmentTerms.deadlineOn} <= ${today}::date then 'overdue'
    else 'pending' end)`;
}

/** The version in force: the latest published (a version is published when the operator posts it). */
export async function currentTermsVersion(db: Db): Promise<TermsVersionSummary | undefined> {
  const [row] = await db
    .select(versionColumns)
    .from(termsVersions)
    .orderBy(desc(termsVersions.publishedAt))
    .limit(1);
  return row;
}

export async function findTermsVersion(db: Db, version: string): Promise<TermsVersionSummary | undefined> {
  const [row] = await db.select(versionColumns).from(termsVersions).where(eq(termsVersions.version, version));
  return row;
}

export async function findTermsVersionById(db: Db, id: string): Promise<TermsVersionSummary | undefined> {
  const [row] = await db.select(versionColumns).from(termsVersions).where(eq(termsVersions.id, id));
  return row;
}

export async function termsDocument(db: Db, version: string) {
  const [row] = await db
    .select({ title: termsVersions.title, documentType: termsVersions.documentType, text: termsVersions.documentText, pdf: termsVersions.documentPdf })
    .from(termsVersions)
    .where(eq(termsVersions.version, version));
  return row;
}

export async function listTermsVersions(db: Db): Promise<TermsVersionSummary[]> {
  return db.select(versionColumns).from(termsVersions).orderBy(desc(termsVersions.publishedAt));
}

export async function insertTermsVersion(db: Db, values: NewTermsVersion): Promise<TermsVersionSummary> {
  const [row] = await db.insert(termsVersions).values(values).returning(versionColumns);
  return row!;
}

/** Every registered establishment must accept the version: one statement, however many there are. */
export async function targetAllEstablishments(db: Db, params: { versionId: string; deadlineOn: string }): Promise<number> {
  const rows = await db
    .insert(establishmentTerms)
    .select(
      db
        .select({
          versionId: sql`${params.versionId}::uuid`.as('version_id'),
          establishmentId: establishments.id,
          deadlineOn: sql`${params.deadlineOn}::date`.as('deadline_on'),
          acceptedAt: sql`null::timestamptz`.as('accepted_at'),
          acceptedByAccountId: sql`null::uuid`.as('accepted_by_account_id'),
          createdAt: sql`now()`.as('created_at'),
        })
        .from(establishments),
    )
    .onConflictDoNothing()
    .returning({ id: establishmentTerms.establishmentId });
  return rows.length;
}

export async function targetEstablishment(db: Db, params: { versionId: string; establishmentId: string; deadlineOn: string }) {
  await db.insert(establishmentTerms).values(params).onConflictDoNothing();
}

const acceptedBy = accounts;

/** The establishment and the current version: deadline, standing and acceptance. None when no version was ever published. */
export async function establishmentTermsStanding(db: Db, establishmentId: string, clock: { now: Date; today: string }) {
  const version = await currentTermsVersion(db);
  if (!version) return undefined;
  const [row] = await db
    .select({
      deadlineOn: establishmentTerms.deadlineOn,
      standing: termsStandingSql(clock.today),
      acceptedAt: establishmentTerms.acceptedAt,
      acceptedByLoginId: acceptedBy.loginId,
    })
    .from(establishmentTerms)
    .leftJoin(acceptedBy, eq(acceptedBy.id, establishmentTerms.acceptedByAccountId))
    .where(and(eq(establishmentTerms.versionId, version.id), eq(establishmentTerms.establishmentId, establishmentId)));
  // An establishment without a row for the current version is not concerned by it (it cannot happen
  // for a registered one: publication and registration both write the row).
  return row ? { version, ...row } : undefined;
}

/** The operator's view of a version: establishments by name, with their standing; `not_accepted` = pending or overdue. */
const TARGET_ORDER = [asc(establishments.name), asc(establishments.id)];

type TargetsParams = { versionId: string; today: string; standing?: TermsStanding | 'not_accepted' };

function targetConditions(params: TargetsParams): SQL | undefined {
  const conditions: SQL[] = [eq(establishmentTerms.versionId, params.versionId)];
  if (params.standing === 'not_accepted') conditions.push(isNull(establishmentTerms.acceptedAt));
  else if (params.standing) conditions.push(sql`${termsStandingSql(params.today)} = ${params.standing}`);
  return and(...conditions);
}

export async function listVersionTargets(db: Db, params: TargetsParams & { page?: number; pageSize?: number }) {
  const query = db
    .select({
      establishmentId: establishments.id,
      siret: establishments.siret,
      name: establishments.name,
      deadlineOn: establishmentTerms.deadlineOn,
      standing: termsStandingSql(params.today),
      acceptedAt: establishmentTerms.acceptedAt,
      acceptedByLoginId: acceptedBy.loginId,
    })
    .from(establishmentTerms)
    .innerJoin(establishments, eq(establishments.id, establishmentTerms.establishmentId))
    .leftJoin(acceptedBy, eq(acceptedBy.id, establishmentTerms.acceptedByAccountId))
    .where(targetConditions(params))
    .orderBy(...TARGET_ORDER);
  const items = params.pageSize ? await query.limit(params.pageSize).offset(((params.page ?? 1) - 1) * params.pageSize) : await query;
  const [counted] = await db.select({ total: count() }).from(establishmentTerms).where(targetConditions(params));
  return { items, total: counted?.total ?? 0 };
}

/** The operator's export of a version's establishments (one standing), as CSV written by PostgreSQL. */
export function versionTargetsCsv(db: Database, params: TargetsParams & { version: string }): Promise<Readable> {
  const columns = csvColumns({
    SIRET: csvCell(establishments.siret),
    Établissement: csvCell(establishments.name),
    Version: csvCell(sql`${params.version}::text`),
    'Date limite': csvDate(establishmentTerms.deadlineOn),
    État: labelOf(termsStandingSql(params.today), TERMS_STANDING_LABELS),
    'Validées le': csvDayOf(establishmentTerms.acceptedAt),
    'Validées par': csvCell(acceptedBy.loginId),
  });
  return copyCsv(
    db,
    db
      .select(columns)
      .from(establishmentTerms)
      .innerJoin(establishments, eq(establishments.id, establishmentTerms.establishmentId))
      .leftJoin(acceptedBy, eq(acceptedBy.id, establishmentTerms.acceptedByAccountId))
      .where(targetConditions(params))
      .orderBy(...TARGET_ORDER),
  );
}

/** A page of the campaign's fan-out, in establishment id order (the cursor). */
export async function pageOfTargets(db: Db, params: { versionId: string; afterEstablishmentId: string | null; limit: number }) {
  return db
    .select({ establishmentId: establishments.id, siret: establishments.siret, deadlineOn: establishmentTerms.deadlineOn })
    .from(establishmentTerms)
    .innerJoin(establishments, eq(establishments.id, establishmentTerms.establishmentId))
    .where(
      and(
        eq(establishmentTerms.versionId, params.versionId),
        params.afterEstablishmentId ? gt(establishmentTerms.establishmentId, params.afterEstablishmentId) : undefined,
      ),
    )
    .orderBy(asc(establishmentTerms.establishmentId))
    .limit(params.limit);
}

export async function findTarget(db: Db, params: { versionId: string; establishmentId: string }) {
  const [row] = await db
    .select({
      deadlineOn: establishmentTerms.deadlineOn,
      acceptedAt: establishmentTerms.acceptedAt,
      acceptedByAccountId: establishmentTerms.acceptedByAccountId,
      acceptedByLoginId: acceptedBy.loginId,
    })
    .from(establishmentTerms)
    .leftJoin(acceptedBy, eq(acceptedBy.id, establishmentTerms.acceptedByAccountId))
    .where(and(eq(establishmentTerms.versionId, params.versionId), eq(establishmentTerms.establishmentId, params.establishmentId)));
  return row;
}

/** The first acceptance counts: later ones change nothing. True when this call recorded it. */
export async function markTermsAccepted(db: Db, params: { versionId: string; establishmentId: string; accountId: string; at: Date }): Promise<boolean> {
  const rows = await db
    .update(establishmentTerms)
    .set({ acceptedAt: params.at, acceptedByAccountId: params.accountId })
    .where(
      and(
        eq(establishmentTerms.versionId, params.versionId),
        eq(establishmentTerms.establishmentId, params.establishmentId),
        isNull(establishmentTerms.acceptedAt),
      ),
    )
    .returning({ id: establishmentTerms.establishmentId });
  return rows.length > 0;
}

/** Who gets the terms-of-use emails: the establishment's admins whose account is active now. */
export async function activeAdminsOf(db: Db, establishmentId: string, clock: { now: Date; today: string }) {
  return db
    .select({
      id: accounts.id,
      loginId: accounts.loginId,
      email: accounts.email,
      civility: accounts.civility,
      lastName: accounts.lastName,
      termsAcceptableFrom: accounts.termsAcceptableFrom,
    })
    .from(accounts)
    .where(
      and(
        eq(accounts.establishmentId, establishmentId),
        eq(accounts.profile, 'admin'),
        // A blocked admin (too many login failures, for 30 minutes) is still an admin to tell.
        sql`${effectiveStatus(clock.today, clock.now)} in ('active', 'blocked')`,
      ),
    )
    .orderBy(asc(accounts.loginId));
}

/** How many establishments stand where, for one version. */
export async function standingCounts(db: Db, versionId: string, today: string): Promise<Record<TermsStanding, number>> {
  const standing = termsStandingSql(today);
  const rows = await db
    .select({ standing, n: count() })
    .from(establishmentTerms)
    .where(eq(establishmentTerms.versionId, versionId))
    // By position: the expression's parameters would not match a repeated one.
    .groupBy(sql`1`);
  const counts: Record<TermsStanding, number> = { pending: 0, overdue: 0, accepted: 0 };
  for (const row of rows) counts[row.standing] = row.n;
  return counts;
}
