import { date, integer, pgTable, primaryKey, smallint, uuid } from 'drizzle-orm/pg-core';
import { accountStatusEnum, profileEnum } from './enums';
import { establishments } from './establishments';

/**
 * How many non-deleted accounts each establishment has, per profile, stored status and expiry month:
 * the list's totals and group counts read a few hundred of these rows instead of counting 100,000
 * accounts per request. Kept exact by statement-level triggers on `accounts` (migration list_indexes_and_counts), in
 * the transaction that changes the accounts. What depends on the clock (expired during the current
 * month, blocked right now) is corrected at read time from the accounts themselves
 * (db/queries/account-counts.ts).
 *
 * `shard` (0–7, from the account id) spreads one establishment's creations of a day, which all land
 * on the same (profile, status, month), over several rows: concurrent creations do not wait on one
 * row lock until their transaction (which starts a workflow) commits.
 */
export const accountCounts = pgTable(
  'account_counts',
  {
    establishmentId: uuid()
      .notNull()
      .references(() => establishments.id),
    profile: profileEnum().notNull(),
    status: accountStatusEnum().notNull(),
    /** First day of the expiry month. */
    expiryMonth: date({ mode: 'string' }).notNull(),
    shard: smallint().notNull(),
    n: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.establishmentId, t.profile, t.status, t.expiryMonth, t.shard] })],
);
