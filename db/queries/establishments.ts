import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { accounts, establishments, type NewEstablishment } from '../schema';
import { effectiveStatus } from './account-status';

export async function findEstablishment(db: Db, id: string) {
  const [row] = await db.select().from(establishments).where(eq(establishments.id, id));
  return row;
}

export async function findEstablishmentBySiret(db: Db, siret: string) {
  const [row] = await db.select({ id: establishments.id }).from(establishments).where(eq(establishments.siret, siret));
  return row;
}

export async function insertEstablishment(db: Db, values: NewEstablishment) {
  const [row] = await db.insert(establishments).values(values).returning();
  return row!;
}

export async function countEstablishments(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(establishments);
  return row?.n ?? 0;
}

/** The operator's list: establishments by name, with how many accounts and active admins each has. */
export async function listEstablishments(db: Db, params: { page: number; pageSize: number; today: string; now: Date }) {
  const status = effectiveStatus(params.today, params.now);
  const items = await db
    .select({
      id: establishments.id,
      siret: establishments.siret,
      name: establishments.name,
      centralEstablishmentId: establishments.centralEstablishmentId,
      createdAt: establishments.createdAt,
      accountCount: sql<number>`count(${accounts.id}) filter (where ${accounts.status} <> 'deleted')::int`,
      activeAdminCount: sql<number>`count(${accounts.id}) filter (where ${accounts.profile} = 'admin' and ${status} = 'active')::int`,
    })
    .from(establishments)
    .leftJoin(accounts, eq(accounts.establishmentId, establishments.id))
    .groupBy(establishments.id)
    .orderBy(asc(establishments.name), asc(establishments.id))
    .limit(params.pageSize)
    .offset((params.page - 1) * params.pageSize);
  return { items, total: await countEstablishments(db) };
}
