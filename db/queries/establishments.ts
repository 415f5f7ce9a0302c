import { asc, eq, sql } from 'drizzle-orm';
import type { RightLevel } from '../../domain/account';
import type { Db } from '../client';
import { builtOncePerHandle } from '../prepared';
import { accounts, establishments, type NewEstablishment, services } from '../schema';
import { effectiveStatus } from './account-status';

export async function findEstablishment(db: Db, id: string) {
  const [row] = await db.select().from(establishments).where(eq(establishments.id, id));
  return row;
}

/** What creating an account in an establishment needs of it, and the service catalogue's codes. */
export interface CreationContext {
  id: string;
  siret: string;
  defaultRights: Record<string, RightLevel>;
  serviceCodes: string[];
}

const creationContextQuery = builtOncePerHandle((db: Db) =>
  db
    .select({
      id: establishments.id,
      siret: establishments.siret,
      defaultRights: establishments.defaultRights,
      serviceCodes: sql<string[]>`array(select ${services.code} from ${services})`,
    })
    .from(establishments)
    .where(eq(establishments.id, sql.placeholder('id')))
    .prepare('creation_context'),
);

/**
 * One statement, built once, read before the creating transaction opens: the establishment (undefined
 * if there is none) with the catalogue's codes, where the creation read them in two statements inside it.
 */
export async function findCreationContext(db: Db, establishmentId: string): Promise<CreationContext | undefined> {
  const [row] = await creationContextQuery(db).execute({ id: establishmentId });
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
