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
 * Whether the postings serve the search, its total (`countSearchMatches`) and its page
 * (`searchPageIds`): a search of one word of at least 3 characters. A shorter word (`e`) is in most
 * words of the establishment, and the postings of all of them (372,000 for 94,000 accounts at 100,000)
 * cost more than reading the accounts (298 against 51 ms, EXPLAIN ANALYZE at load ~10). Several words
 * narrow each other down through the trigram index (a bitmap AND: `ressources celine`, 440 matches, p95
 * 10 ms) better than their postings do (20 ms: every posting of `ressources` is read).
 */
export const servedByPostings = (words: string[]): words is [string] => words.length === 1 && words[0]!.length >= 3;

/** The establishment's words that contain `word` (a few, found off trigrams), as an array. */
function wordsContaining(establishmentId: string, word: string): SQL {
  return sql`array(
    select ${searchWords.word} from ${searchWords}
    where ${searchWords.establishmentId} = ${establishmentId} and ${contains(searchWords.word, word)})`;
}

/**
 * How many non-deleted accounts of the establishment contain `word` (a query word: folded, no space)
 * in their search text, off the postings the triggers of migration search_word_postings keep
 * (db/schema/search-words.ts). The same count as `search_text like '%word%'`, without reading a single
 * account: the establishment's words that contain it, then their postings (an index-only scan); an
 * account with two such words counts once.
 */
export async function countSearchMatches(db: Db, establishmentId: string, word: string): Promise<number> {
  const [row] = (await db.execute(sql`
    select count(*)::int as total from (
      select distinct ${accountWords.accountId} from ${accountWords}
      where ${accountWords.establishmentId} = ${establishmentId} and ${accountWords.word} = any(${wordsContaining(establishmentId, word)})) as matches`)) as unknown as [
    { total: number },
  ];
  return row.total;
}

/**
 * The ids of `limit` accounts from `offset` (or right after `after`) among those whose search text
 * contains `word`, in list order (search text, id), as a subquery. Each posting carries its account's
 * search text, so each of the words containing `word` gives its first `offset + limit` postings as a
 * range of the primary key (after the cursor, when there is one); their union, an account with two
 * such words once, holds the stretch: an account of the stretch has fewer postings before it in its
 * word than accounts before it in the list. No account is read to find them, however far in name order
 * the first match is (`lef` matches from « lefevre » on).
 */
export function searchPageIds(
  establishmentId: string,
  word: string,
  after: { searchText: string; id: string } | undefined,
  offset: number,
  limit: number,
): SQL {
  const afterCursor = after ? sql`and (${accountWords.searchText}, ${accountWords.accountId}) > (${after.searchText}, ${after.id}::uuid)` : sql``;
  return sql`
    select stretch.account_id from (
      select distinct posting.search_text, posting.account_id
      from unnest(${wordsContaining(establishmentId, word)}) as matching(word)
      cross join lateral (
        select ${accountWords.searchText}, ${accountWords.accountId} from ${accountWords}
        where ${accountWords.establishmentId} = ${establishmentId} and ${accountWords.word} = matching.word ${afterCursor}
        order by ${accountWords.searchText}, ${accountWords.accountId} limit ${offset + limit}) as posting
      order by 1, 2 limit ${limit} offset ${offset}) as stretch`;
}
