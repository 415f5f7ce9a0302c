import { index, integer, pgTable, primaryKey, smallint, uuid } from 'drizzle-orm/pg-core';
import { byteOrderText } from './columns';

/**
 * The distinct words of each establishment's search texts (`accounts.search_text` split on its
 * spaces), with a trigram index: a query word finds the few words that contain it, and only then the
 * accounts (`accountWords`). Filled by the triggers of migration search_word_postings, never emptied:
 * a word whose accounts are all gone leads to no posting, and costs one index probe.
 */
export const searchWords = pgTable(
  'search_words',
  {
    establishmentId: uuid().notNull(),
    word: byteOrderText().notNull(),
  },
  (t) => [primaryKey({ columns: [t.establishmentId, t.word] }), index('search_words_trgm_idx').using('gin', t.word.op('gin_trgm_ops'))],
);

/**
 * One row per word of each non-deleted account's search text, with that text (the list's order key):
 * a search counts its matches off this primary key alone (an index-only scan), and reads its page as
 * a range of it in list order (search text, id) after a cursor, instead of walking the list's order
 * index up to the first match or reading and rechecking every match. Kept exact by row triggers on
 * `accounts` (migrations search_word_postings, postings_in_list_order), in the transaction that
 * changes the account. No foreign keys: the triggers derive every row from an account, and a check
 * per word would tax each creation.
 */
export const accountWords = pgTable(
  'account_words',
  {
    establishmentId: uuid().notNull(),
    word: byteOrderText().notNull(),
    searchText: byteOrderText().notNull(),
    accountId: uuid().notNull(),
  },
  (t) => [primaryKey({ columns: [t.establishmentId, t.word, t.searchText, t.accountId] })],
);

/**
 * How many postings each word of each establishment has (the non-deleted accounts whose search text
 * holds it), summed over shards: a search's total when one dictionary word matches (`ressources`:
 * 12,950 accounts) is then one row instead of an index scan of its postings, and the rarest of several
 * query words is known without counting. Kept exact by statement-level triggers on the postings
 * (migration word_counts), in the transaction that changes the account, with account_counts'
 * per-transaction `shard`: concurrent creations that share a word (a first name, a service) do not
 * wait on one row lock until their transaction (which starts a workflow) commits.
 */
export const accountWordCounts = pgTable(
  'account_word_counts',
  {
    establishmentId: uuid().notNull(),
    word: byteOrderText().notNull(),
    shard: smallint().notNull(),
    n: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.establishmentId, t.word, t.shard] })],
);
