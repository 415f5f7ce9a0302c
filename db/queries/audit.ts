import { sql } from 'drizzle-orm';
import type { Db } from '../client';
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

/** Appends one entry to the history. Inside a transaction it lands or vanishes with the change it describes. */
export async function recordAudit(db: Db, event: NewAuditEvent): Promise<void> {
  await db.insert(auditEvents).values({
    ...event,
    actorLabel: withoutNul(event.actorLabel),
    before: withoutNul(event.before),
    after: withoutNul(event.after),
    detail: withoutNul(event.detail),
  });
}

/** Whether the history already has the `action` entry of this email (its idempotency key): a retried send records once. */
export async function hasEmailEntry(db: Db, action: string, idempotencyKey: string): Promise<boolean> {
  const [row] = await db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(sql`${auditEvents.action} = ${action} and ${auditEvents.detail}->>'idempotencyKey' = ${idempotencyKey}`)
    .limit(1);
  return row !== undefined;
}
