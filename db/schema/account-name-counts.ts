import { integer, pgTable, primaryKey, smallint, uuid } from 'drizzle-orm/pg-core';
import { byteOrderText } from './columns';

/** The prefix lengths counted: the coarse one read whole, the fine one only within the coarse bucket a page falls in. */
export const NAME_PREFIX_LENGTHS = { coarse: 2, fine: 4 } as const;

/**
 * How many non-deleted accounts each establishment has per prefix of their search text (the list's
 * order key), at two lengths: where the accounts of a prefix start in the list is the sum of the
 * prefixes before it, so a page by number finds its place from a few hundred of these rows and skips
 * at most one fine prefix's accounts of the list index instead of everything before the page. A prefix
 * is one range of the list's order only because search_text compares byte by byte (COLLATE "C").
 *
 * Kept exact by statement-level triggers on `accounts` (migration name_rank), in the transaction
 * that changes the accounts, with account_counts' per-transaction `shard`: concurrent creations of
 * one name do not wait on one row lock until their transaction (which starts a workflow) commits.
 */
export const accountNameCounts = pgTable(
  'account_name_counts',
  {
    establishmentId: uuid().notNull(),
    /** NAME_PREFIX_LENGTHS.coarse or .fine. */
    prefixLength: smallint().notNull(),
    /** left(search_text, prefixLength): shorter for a shorter search text. */
    prefix: byteOrderText().notNull(),
    shard: smallint().notNull(),
    n: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.establishmentId, t.prefixLength, t.prefix, t.shard] })],
);
