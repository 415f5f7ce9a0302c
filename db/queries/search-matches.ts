import { type Column, sql, type SQL } from 'drizzle-orm';
import { foldForSearch } from '../../domain/text';
import type { Db } from '../client';
import { accountWords, searchWords } from '../schema';

/** The words of a search as typed: folded like the search text, so none contains a space. */
export function queryWords(q: string | undefined): string[] {
  return foldForSearch(q ?? '').split(' ').filter(Boolean);
}

/** Escapes LIKE wildcards so that `%` or `_` typed by a person match themselves. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/** `column` contains `word` (as a substring, wildcards typed by a person taken literally). */
export function contains(column: Column, word: string): SQL {
  return sql`${column} like ${`%${escapeLike(word)}%`} escape '\\'`;
}

/**
 * How many non-deleted accounts of the establishment contain every one of `words` (query words: folded,
 * no space) in their search text, off the postings the triggers of migration search_word_postings keep
 * (db/schema/search-words.ts). The same count as `search_text like '%word%'` for each word, without
 * reading a single account: each word finds the establishment's words that contain it (a few, off
 * trigrams), then their postings (an index-only scan); an account with several such words counts once.
 */
export async function countSearchMatches(db: Db, establishmentId: string, words: string[]): Promise<number> {
  const matching = (word: string) => sql`
    select distinct ${accountWords.accountId} from ${accountWords}
    where ${accountWords.establishmentId} = ${establishmentId}
      and ${accountWords.word} = any(array(
        select ${searchWords.word} from ${searchWords}
        where ${searchWords.establishmentId} = ${establishmentId} and ${contains(searchWords.word, word)}))`;
  const [row] = (await db.execute(
    sql`select count(*)::int as total from (${sql.join(words.map(matching), sql` intersect `)}) as matches`,
  )) as unknown as [{ total: number }];
  return row.total;
}
