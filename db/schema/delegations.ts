import { sql } from 'drizzle-orm';
import { index, pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, instant, updatedAt } from './columns';
import { establishments } from './establishments';

/** Where one request stands; `requested` and `accepted` are the living ones (at most one per pair). */
export const delegationStatusEnum = pgEnum('delegation_status', ['requested', 'accepted', 'refused', 'ended', 'lapsed']);

/** Why an accepted delegation ended. */
export const delegationEndReasonEnum = pgEnum('delegation_end_reason', [
  'ended_by_central',
  'ended_by_delegating',
  'attachment_removed',
  'establishment_closed',
]);

/**
 * One row per request (one workflow run): a central establishment's people may act for a delegating
 * one while its row is `accepted`. A new request after a refusal, a lapse or an end is a new row.
 */
export const delegations = pgTable(
  'delegations',
  {
    id: uuid().primaryKey().defaultRandom(),
    centralEstablishmentId: uuid()
      .notNull()
      .references(() => establishments.id),
    delegatingEstablishmentId: uuid()
      .notNull()
      .references(() => establishments.id),
    status: delegationStatusEnum().notNull(),
    /** `delegation-<centralSiret>-<delegatingSiret>`: the workflow that carries this request. */
    workflowId: text().notNull(),
    requestedByAccountId: uuid(),
    /** Without an answer by then, the request lapses; set by the workflow from its own clock. */
    lapsesAt: instant(),
    reminderSentAt: instant(),
    decidedAt: instant(),
    decidedByAccountId: uuid(),
    endedAt: instant(),
    endedByAccountId: uuid(),
    endReason: delegationEndReasonEnum(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index().on(t.centralEstablishmentId, t.status),
    index().on(t.delegatingEstablishmentId, t.status),
    // The database holds the rule "one living request per pair", whatever the callers race.
    uniqueIndex('delegations_one_living_per_pair')
      .on(t.centralEstablishmentId, t.delegatingEstablishmentId)
      .where(sql`${t.status} in ('requested', 'accepted')`),
  ],
);

export type Delegation = typeof delegations.$inferSelect;
export type DelegationStatus = (typeof delegationStatusEnum.enumValues)[number];
export type DelegationEndReason = (typeof delegationEndReasonEnum.enumValues)[number];
