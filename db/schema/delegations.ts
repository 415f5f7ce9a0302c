import { index, pgEnum, pgTable, uuid } from 'drizzle-orm/pg-core';
import { createdAt, instant, updatedAt } from './columns';
import { establishments } from './establishments';

export const delegationStatusEnum = pgEnum('delegation_status', ['requested', 'accepted', 'refused', 'ended']);

/** A central establishment's people may act for a delegating one while the delegation is accepted. */
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
    decidedAt: instant(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index().on(t.centralEstablishmentId, t.status), index().on(t.delegatingEstablishmentId, t.status)],
);
