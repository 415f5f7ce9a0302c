import { sql } from 'drizzle-orm';
import { bigserial, index, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const actorTypeEnum = pgEnum('actor_type', ['account', 'operator', 'system', 'anonymous']);
export const auditOutcomeEnum = pgEnum('audit_outcome', ['success', 'refused']);

/**
 * Append-only history: a trigger (migration 0001) refuses UPDATE and DELETE.
 * `establishmentId` is the establishment the operation was about; `actorEstablishmentId` the actor's own
 * (they differ when a central establishment acts on behalf of a delegating one).
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    at: timestamp({ withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    requestId: text(),
    actorType: actorTypeEnum().notNull(),
    actorAccountId: uuid(),
    actorLabel: text(),
    actorEstablishmentId: uuid(),
    establishmentId: uuid(),
    targetAccountId: uuid(),
    action: text().notNull(),
    outcome: auditOutcomeEnum().notNull(),
    before: jsonb(),
    after: jsonb(),
    detail: jsonb(),
    /**
     * The provider idempotency key of an email entry, lifted out of `detail` so that the check
     * « already recorded? » of a retried send is one index probe, not a scan of the whole history
     * (the scan cost 141 ms per email at 300,000 entries). Generated: writers keep writing `detail`.
     */
    idempotencyKey: text().generatedAlwaysAs(sql`(detail ->> 'idempotencyKey')`),
  },
  (t) => [
    index().on(t.establishmentId, t.id),
    index().on(t.targetAccountId),
    index().on(t.actorAccountId),
    index().on(t.idempotencyKey).where(sql`idempotency_key is not null`),
  ],
);

export type AuditEvent = typeof auditEvents.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;
