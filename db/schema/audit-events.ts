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
  },
  (t) => [index().on(t.establishmentId, t.id), index().on(t.targetAccountId), index().on(t.actorAccountId)],
);

export type AuditEvent = typeof auditEvents.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;
