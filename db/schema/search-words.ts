import { index, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';

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
    word: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.establishmentId, t.word] }), index('search_words_trgm_idx').using('gin', t.word.op('gin_trgm_ops'))],
);

/**
 * One row per word of each non-deleted account's search text: the accounts a search matches are
 * counted off this primary key alone (an index-only scan), instead of reading and rechecking every
 * matching account. Kept exact by row triggers on `accounts` (migration search_word_postings), in the
 * transaction that changes the account. No foreign keys: the triggers derive every row from an
 * account, and a check per word would tax each creation.
 */
export const accountWords = pgTable(
  'account_words',
  {
    establishmentId: uuid().notNull(),
    word: text().notNull(),
    accountId: uuid().notNull(),
  },
  (t) => [primaryKey({ columns: [t.establishmentId, t.word, t.accountId] })],
);

