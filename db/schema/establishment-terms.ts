import { date, index, pgTable, primaryKey, uuid } from 'drizzle-orm/pg-core';
import { createdAt, instant } from './columns';
import { accounts } from './accounts';
import { establishments } from './establishments';
import { termsVersions } from './terms-versions';

/**
 * One row per (version, establishment) that must accept it: written for every establishment at
 * publication, and at registration for those that arrive later. The standing (pending, overdue,
 * accepted) is read from the deadline and the acceptance (domain/terms.ts), never stored.
 */
export const establishmentTerms = pgTable(
  'establishment_terms',
  {
    versionId: uuid()
      .notNull()
      .references(() => termsVersions.id),
    establishmentId: uuid()
      .notNull()
      .references(() => establishments.id),
    /** The version's deadline, or a later one for an establishment registered after the publication. */
    deadlineOn: date({ mode: 'string' }).notNull(),
    acceptedAt: instant(),
    acceptedByAccountId: uuid().references(() => accounts.id),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.establishmentId] }), index().on(t.establishmentId)],
);

export type EstablishmentTerms = typeof establishmentTerms.$inferSelect;
