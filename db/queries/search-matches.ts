import { type Column, sql, type SQL } from 'drizzle-orm';
import { foldForSearch } from '../../domain/text';
import type { Db } from '../client';
import { accountWordCounts, accountWords, searchWords } from '../schema';

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
 * Where a search's matches are read from: the postings of `words` (an array of the establishment's
 * words, those containing the query word that drives), each of whose search texts must also contain
 * every word of `check` (the query words, when there are several).
 */
export interface SearchPostings {
  establishmentId: string;
  words: SQL;
  check: string[];
}

/**
 * Only query words of at least 3 characters drive: a shorter word (`e`) is in most words of the
 * establishment, and the postings of all of them (372,000 for 94,000 accounts at 100,000) cost more
 * than reading the accounts (298 against 51 ms, EXPLAIN ANALYZE at load ~10).
 */
const MIN_DRIVING_LENGTH = 3;

/**
 * How many postings `word` has in the establishment, from the word counts: a few rows. `word` is an SQL
 * expression compared with `=`: a word, or `any(<array>)` for the postings of several.
 */
function postingCount(establishmentId: string, word: SQL): SQL {
  return sql`(select coalesce(sum(${accountWordCounts.n}), 0) from ${accountWordCounts}
    where ${accountWordCounts.establishmentId} = ${establishmentId} and ${accountWordCounts.word} = ${word})`;
}

/**
 * The establishment's words that contain `word` (a few, found off trigrams), as an array, the one with
 * the most postings first: a total counts that one from the word counts and scans only the others.
 */
function wordsContaining(establishmentId: string, word: string): SQL {
  return sql`array(
    select ${searchWords.word} from ${searchWords}
    where ${searchWords.establishmentId} = ${establishmentId} and ${contains(searchWords.word, word)}
    order by ${postingCount(establishmentId, sql`${searchWords.word}`)} desc, ${searchWords.word})`;
}

/**
 * The postings that serve a search of `words`, or undefined when none of its words is long enough to
 * drive (the accounts' trigram and order indexes serve it). One word: the postings of the words that
 * contain it. Several: those of the query word with the fewest postings (from the word counts; of two
 * as frequent, the longer), each checked for the query words on the search text it carries —
 * `ressources celine` reads celine's 3,318 postings, not ressources' 12,950, and no account. Which word
 * drives is decided by the statements themselves (a few rows of word counts), not by a statement before
 * them; each posting is checked for every query word, the driving one included (which it holds).
 */
export function searchPostings(establishmentId: string, words: string[]): SearchPostings | undefined {
  const candidates = words.filter((w) => w.length >= MIN_DRIVING_LENGTH).sort((a, b) => b.length - a.length);
  if (candidates.length === 0) return undefined;
  if (words.length === 1) return { establishmentId, words: wordsContaining(establishmentId, words[0]!), check: [] };
  return {
    establishmentId,
    words: sql`(
      select candidate.words from (
        ${sql.join(
          candidates.map((w, rank) => sql`select ${rank}::int as rank, ${wordsContaining(establishmentId, w)} as words`),
          sql` union all `,
        )}) as candidate
      order by ${postingCount(establishmentId, sql`any(candidate.words)`)}, candidate.rank
      limit 1)`,
    check: words,
  };
}

/** The postings of `postings`' words whose search text holds its other query words. */
function matchingPostings(postings: SearchPostings, word: SQL): SQL {
  return sql.join(
    [
      sql`${accountWords.establishmentId} = ${postings.establishmentId}`,
      word,
      ...postings.check.map((w) => contains(accountWords.searchText, w)),
    ],
    sql` and `,
  );
}

/**
 * How many non-deleted accounts of the establishment the search matches, off the postings the triggers
 * of migration search_word_postings keep (db/schema/search-words.ts). The same count as `search_text
 * like '%word%'` for every query word, without reading a single account. An account with two such
 * words counts at the first of them only (its search text, in the posting, says whether it holds an
 * earlier one): a `distinct` over 12,950 matches cost 3–4 times the scan itself. With no other query
 * word to check, the first word's accounts are its word count (migration word_counts: `ressources`'
 * 12,950 postings were an index-only scan of 2–3 ms) and only the others' postings are scanned.
 */
export async function countSearchMatches(db: Db, postings: SearchPostings): Promise<number> {
  const scanned = sql`(
    select count(*) from ${accountWords}
    where ${matchingPostings(postings, sql`${accountWords.word} = matching.word`)}
      and (matching.k = 1 or not (string_to_array(${accountWords.searchText}, ' ') && dictionary.words[1:matching.k - 1])))`;
  const perWord =
    postings.check.length === 0
      ? sql`case when matching.k = 1 then ${postingCount(postings.establishmentId, sql`matching.word`)} else ${scanned} end`
      : scanned;
  const [row] = (await db.execute(sql`
    select coalesce(sum(${perWord}), 0)::int as total
    from (select ${postings.words} as words) as dictionary
    cross join lateral unnest(dictionary.words) with ordinality as matching(word, k)`)) as unknown as [{ total: number }];
  return row.total;
}

/**
 * The ids of `limit` accounts from `offset` (or right after `after`) among the search's matches, in
 * list order (search text, id), as a subquery. Each posting carries its account's search text, so each
 * of the driving words gives its first `offset + limit` matching postings as a range of the primary key
 * (after the cursor, when there is one); their union, an account with two such words once, holds the
 * stretch: an account of the stretch has fewer postings before it in its word than accounts before it
 * in the list. No account is read to find them, however far in name order the first match is (`lef`
 * matches from « lefevre » on).
 */
export function searchPageIds(
  postings: SearchPostings,
  after: { searchText: string; id: string } | undefined,
  offset: number,
  limit: number,
): SQL {
  const afterCursor = after ? sql`and (${accountWords.searchText}, ${accountWords.accountId}) > (${after.searchText}, ${after.id}::uuid)` : sql``;
  return sql`
    select stretch.account_id from (
      select distinct posting.search_text, posting.account_id
      from unnest(${postings.words}) as matching(word)
      cross join lateral (
        select ${accountWords.searchText}, ${accountWords.accountId} from ${accountWords}
        where ${matchingPostings(postings, sql`${accountWords.word} = matching.word`)} ${afterCursor}
        order by ${accountWords.searchText}, ${accountWords.accountId} limit ${offset + limit}) as posting
      order by 1, 2 limit ${limit} offset ${offset}) as stretch`;
}
