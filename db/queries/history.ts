import { and, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../client';
import { accounts, auditEvents, establishments } from '../schema';

export interface HistoryFilters {
  establishmentId: string;
  /** Operations about this account. */
  accountId?: string;
  /** Operations made by this account. */
  actorId?: string;
  /** Instants, from inclusive, to exclusive. */
  from?: Date;
  to?: Date;
  page: number;
  pageSize: number;
}

const target = alias(accounts, 'target');
const actorEstablishment = alias(establishments, 'actor_establishment');

/** The establishment's history, newest first. */
export async function listHistory(db: Db, f: HistoryFilters) {
  const conditions: SQL[] = [eq(auditEvents.establishmentId, f.establishmentId)];
  if (f.accountId) conditions.push(eq(auditEvents.targetAccountId, f.accountId));
  if (f.actorId) conditions.push(eq(auditEvents.actorAccountId, f.actorId));
  if (f.from) conditions.push(gte(auditEvents.at, f.from));
  if (f.to) conditions.push(lt(auditEvents.at, f.to));
  const where = and(...conditions);
  const items = await db
    .select({
      id: auditEvents.id,
      at: auditEvents.at,
      action: auditEvents.action,
      outcome: auditEvents.outcome,
      requestId: auditEvents.requestId,
      actorType: auditEvents.actorType,
      actorAccountId: auditEvents.actorAccountId,
      actorLabel: auditEvents.actorLabel,
      actorEstablishmentId: auditEvents.actorEstablishmentId,
      actorEstablishmentName: actorEstablishment.name,
      establishmentId: auditEvents.establishmentId,
      targetAccountId: auditEvents.targetAccountId,
      targetLoginId: target.loginId,
      before: auditEvents.before,
      after: auditEvents.after,
      detail: auditEvents.detail,
    })
    .from(auditEvents)
    .leftJoin(target, eq(target.id, auditEvents.targetAccountId))
    .leftJoin(actorEstablishment, eq(actorEstablishment.id, auditEvents.actorEstablishmentId))
    .where(where)
    // Insertion order: `at` is the start of the writing transaction, which may be older than an entry written before it.
    .orderBy(desc(auditEvents.id))
    .limit(f.pageSize)
    .offset((f.page - 1) * f.pageSize);
  const [counted] = await db.select({ total: sql<number>`count(*)::int` }).from(auditEvents).where(where);
  return { items, total: counted?.total ?? 0 };
}
