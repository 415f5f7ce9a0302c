import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { preparedStatement } from '../prepared';
import { auditEvents, type NewAuditEvent } from '../schema';

/** PostgreSQL refuses U+0000 in text and jsonb: a refusal quoting the caller's input must still be recorded. */
function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('\u0000', '\\u0000') as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k), withoutNul(v)])) as T;
  }
  return value;
}

/** An entry as it is written: text PostgreSQL accepts. */
export function auditEntryValues(event: NewAuditEvent): NewAuditEvent {
  return {
    ...event,
    actorLabel: withoutNul(event.actorLabel),
    before: withoutNul(event.before),
    after: withoutNul(event.after),
    detail: withoutNul(event.detail),
  };
}

/** Appends one entry to the history. Inside a transaction it lands or vanishes with the change it describes. */
export async function recordAudit(db: Db, event: NewAuditEvent): Promise<void> {
  await db.insert(auditEvents).values(auditEntryValues(event));
}

const sentEmailStatement = preparedStatement('record_sent_email', () => {
  const v = (name: string) => sql.placeholder(name);
  return sql`
    insert into ${auditEvents} (actor_type, actor_label, establishment_id, target_account_id, action, outcome, detail)
    select 'system', ${v('actorLabel')}, ${v('establishmentId')}::uuid, ${v('targetAccountId')}::uuid, ${v('action')}, 'success', ${v('detail')}::jsonb
    where not exists (
      select 1 from ${auditEvents} where idempotency_key = ${v('idempotencyKey')} and action = ${v('action')}
    )`;
});

/**
 * The history line of a sent email, appended unless a retried send already wrote it (same action
 * and idempotency key: one index probe), in one statement, prepared and built once (db/prepared.ts:
 * the worker writes one per email). Actor: the workflow that sent it.
 */
export async function recordSentEmail(
  db: Db,
  entry: { action: string; actorLabel: string; establishmentId: string; targetAccountId: string; detail: { idempotencyKey: string } & Record<string, unknown> },
): Promise<void> {
  await sentEmailStatement(db, {
    actorLabel: withoutNul(entry.actorLabel),
    establishmentId: entry.establishmentId,
    targetAccountId: entry.targetAccountId,
    action: entry.action,
    detail: JSON.stringify(withoutNul(entry.detail)),
    idempotencyKey: entry.detail.idempotencyKey,
  });
}

/** What identifies an entry already written (all given fields must match; `detail` compares top-level keys as text). */
export interface AuditEntryMatch {
  action: string;
  establishmentId?: string;
  targetAccountId?: string;
  requestId?: string;
  detail?: Record<string, string>;
}

/** Whether the history already has this entry: a retried activity records its step once. */
export async function hasAuditEntry(db: Db, match: AuditEntryMatch): Promise<boolean> {
  const conditions: SQL[] = [eq(auditEvents.action, match.action)];
  if (match.establishmentId) conditions.push(eq(auditEvents.establishmentId, match.establishmentId));
  if (match.targetAccountId) conditions.push(eq(auditEvents.targetAccountId, match.targetAccountId));
  if (match.requestId) conditions.push(eq(auditEvents.requestId, match.requestId));
  for (const [key, value] of Object.entries(match.detail ?? {})) {
    // The email's idempotency key has its own indexed column (generated from `detail`): one index
    // probe per email instead of a scan of the history, which grows forever.
    conditions.push(key === 'idempotencyKey' ? eq(auditEvents.idempotencyKey, value) : sql`${auditEvents.detail}->>${key} = ${value}`);
  }
  const [row] = await db.select({ id: auditEvents.id }).from(auditEvents).where(and(...conditions)).limit(1);
  return row !== undefined;
}
