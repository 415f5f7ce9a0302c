/**
 * A search's total is counted, and a one-word search's page read, off word postings (account_words,
 * search_words) and their per-word counts (account_word_counts), kept by row triggers on accounts
 * (migrations search_word_postings, postings_in_list_order, word_counts). They must stay exactly the
 * count and the pages (by number and by cursor) of the non-deleted accounts whose search text contains
 * every query word, in list order, whatever was written, concurrently, committed or not.
 */
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { listAccounts, listPosition } from '../../../db/queries/accounts';
import { escapeLike, queryWords } from '../../../db/queries/search-matches';
import { accounts } from '../../../db/schema';
import { foldForSearch } from '../../../domain/text';
import { insertAccount, insertEstablishment } from '../../support/fixtures';
import { useTestApp } from '../../support/harness';

const t = useTestApp();
const clock = { today: '2026-11-20', now: new Date('2026-11-20T10:00:00Z') };

const LAST_NAMES = ['Lefèvre', 'Lefebvre', 'Dupré', "D'Aubigné", 'Le Goff', 'Cœurdacier', 'Marie-Thérèse', '100%_Sûr'];
// « Maîtresse des ressources »: two words containing `ress` (or `esse`), one account in its pages.
const SERVICES = ['Direction des ressources humaines', 'Ressources humaines – paie', 'Pédiatrie', 'Maîtresse de maison', 'Maîtresse des ressources', null];
const QUERIES = [
  'ressources', 'ress', 'esse', 'lef', 'lefe', 'e', 'le', 'goff le', 'ressources celine', 'humaines ressources', 'd\'aub',
  'cœur', '100%', '%', '_', 'r_', 'marie-th', 'neuf', 'neuf2 ress', 'renomme', 'zebulon', 'zephyrin', 'absent', 'CÉLINE', 'maitresse',
];

/** The list's search as the accounts themselves give it (today's semantics: every word a substring of the folded text), in list order. */
async function referenceIds(establishmentId: string, q: string): Promise<string[]> {
  const patterns = queryWords(q).map((w) => `%${escapeLike(w)}%`);
  const rows = (await t.db.execute(sql`
    select id from ${accounts}
    where ${accounts.establishmentId} = ${establishmentId} and ${accounts.status} <> 'deleted'
      and ${accounts.searchText} like all (array[${sql.join(patterns.map((p) => sql`${p}::text`), sql`, `)}])
    order by ${accounts.searchText}, ${accounts.id}`)) as unknown as { id: string }[];
  return rows.map((row) => row.id);
}

const referenceCount = async (establishmentId: string, q: string) => (await referenceIds(establishmentId, q)).length;

/** How many postings each word has, against the word counts stored (summed over shards): equal, word for word. */
async function wordCountsDrift(establishmentId: string) {
  return (await t.db.execute(sql`
    select word, sum(n)::int as drift from (
      select word, n from account_word_counts where establishment_id = ${establishmentId}
      union all
      select word, -count(*) from account_words where establishment_id = ${establishmentId} group by 1
    ) as both_sides group by 1 having sum(n) <> 0`)) as unknown as unknown[];
}

/** The postings the accounts call for, against those stored: equal, row for row. */
async function postingsDrift(establishmentId: string) {
  return (await t.db.execute(sql`
    (select establishment_id, w as word, search_text, id as account_id from ${accounts}, unnest(string_to_array(search_text, ' ')) as w
     where establishment_id = ${establishmentId} and status <> 'deleted' and w <> ''
     except select establishment_id, word, search_text, account_id from account_words where establishment_id = ${establishmentId})
    union all
    (select establishment_id, word, search_text, account_id from account_words where establishment_id = ${establishmentId}
     except select establishment_id, w, search_text, id from ${accounts}, unnest(string_to_array(search_text, ' ')) as w
     where establishment_id = ${establishmentId} and status <> 'deleted' and w <> '')`)) as unknown as unknown[];
}

const PAGE_SIZE = 5;

/** The totals, every page by number and every page by cursor of each query, against the accounts' own answer. */
async function expectExactCounts(establishmentId: string) {
  expect(await postingsDrift(establishmentId)).toEqual([]);
  expect(await wordCountsDrift(establishmentId)).toEqual([]);
  for (const q of QUERIES) {
    const expected = await referenceIds(establishmentId, q);
    const pages = Math.max(1, Math.ceil(expected.length / PAGE_SIZE));
    for (let page = 1; page <= pages + 1; page++) {
      const listed = await listAccounts(t.db, { ...clock, establishmentId, q, page, pageSize: PAGE_SIZE });
      expect(listed.total, q).toBe(expected.length);
      expect(listed.items.map((a) => a.id), `${q}, page ${page}`).toEqual(expected.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE));
    }
    const byCursor: string[] = [];
    let next: string | null = null;
    do {
      const after = next === null ? undefined : await listPosition(t.db, { ...clock, establishmentId }, next);
      const listed = await listAccounts(t.db, { ...clock, establishmentId, q, page: 1, pageSize: PAGE_SIZE, after });
      byCursor.push(...listed.items.map((a) => a.id));
      next = listed.next;
    } while (next !== null);
    expect(byCursor, `${q}, by cursor`).toEqual(expected);
  }
}

/** Resolves once some other backend waits for a lock (the second of two transactions writing the same new word). */
async function someoneWaitsForALock() {
  for (;;) {
    const [row] = (await t.db.execute(
      sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    )) as unknown as [{ n: number }];
    if (row.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const rename = (lastName: string, firstName: string, serviceFunction: string | null) => ({
  lastName,
  searchText: foldForSearch(`${lastName} ${firstName} ${serviceFunction ?? ''}`),
});

describe('search totals and pages', () => {
  it('equal the accounts’ own count and pages after creations, renames, deletions and status changes running concurrently', async () => {
    const establishmentId = (await insertEstablishment(t.db)).id;
    // Another establishment with the same words: its accounts never count.
    const other = (await insertEstablishment(t.db)).id;
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const fields = { lastName: LAST_NAMES[i % LAST_NAMES.length]!, firstName: i % 3 ? 'Céline' : 'Jean', serviceFunction: SERVICES[i % SERVICES.length] };
      ids.push((await insertAccount(t.db, establishmentId, fields)).id);
      if (i % 4 === 0) await insertAccount(t.db, other, fields);
    }
    await expectExactCounts(establishmentId);

    // 60 transactions over the pool's 5 connections: each writes then commits, or fails and rolls back.
    const operations = Array.from({ length: 60 }, (_, i) => async () => {
      await t.db.transaction(async (tx) => {
        const target = ids[i % ids.length]!;
        switch (i % 7) {
          case 0: // creation with a word no account had: concurrent creations add it to the dictionary together
            await insertAccount(tx as never, establishmentId, { lastName: `Neuf${i % 3}`, firstName: 'Céline', serviceFunction: 'Ressources humaines' });
            break;
          case 1: // rename
            await tx.update(accounts).set(rename(`Renommé${i}`, 'Céline', 'Pédiatrie')).where(eq(accounts.id, target));
            break;
          case 2: // deletion (stored status)
            await tx.update(accounts).set({ status: 'deleted' }).where(eq(accounts.id, target));
            break;
          case 3: // status changes that keep the account listed (back from deleted, when it was)
            await tx.update(accounts).set({ status: 'active' }).where(eq(accounts.id, target));
            await tx.update(accounts).set({ status: 'pending_activation' }).where(eq(accounts.id, target));
            break;
          case 4: // a row deleted for good
            await tx.delete(accounts).where(eq(accounts.id, target));
            break;
          case 5: // rename and deletion in one statement
            await tx.update(accounts).set({ ...rename('Lefèvre', 'Jean', null), status: 'deleted' }).where(eq(accounts.id, target));
            break;
          case 6: // written, then rolled back: nothing of it may remain
            await insertAccount(tx as never, establishmentId, { lastName: 'Absent', firstName: 'Jean' });
            await tx.update(accounts).set(rename('Absent', 'Céline', null)).where(eq(accounts.id, target));
            throw new Error('rollback');
        }
      }).catch((error: unknown) => {
        if (!(error instanceof Error && error.message === 'rollback')) throw error;
      });
    });
    await Promise.all(operations.map((operation) => operation()));
    await expectExactCounts(establishmentId);
    // A set-based rename.
    await t.db
      .update(accounts)
      .set({ searchText: sql`${accounts.searchText} || ' maitresse'` })
      .where(sql`${accounts.establishmentId} = ${establishmentId} and ${accounts.lastName} = 'Dupré'`);
    await expectExactCounts(establishmentId);
    expect(await referenceCount(establishmentId, 'neuf')).toBe(9);
  });

  it('count both of two transactions that add the same new word, and only the committed one when the other rolls back', async () => {
    const establishmentId = (await insertEstablishment(t.db)).id;
    for (const [outcome, lastName] of [['commit', 'Zébulon'], ['rollback', 'Zéphyrin']] as const) {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let inserted!: () => void;
      const firstInserted = new Promise<void>((resolve) => (inserted = resolve));
      const first = t.db
        .transaction(async (tx) => {
          await insertAccount(tx as never, establishmentId, { lastName, firstName: outcome });
          inserted();
          await held;
          if (outcome === 'rollback') throw new Error('rollback');
        })
        .catch((error: unknown) => {
          if (!(error instanceof Error && error.message === 'rollback')) throw error;
        });
      await firstInserted;
      // The second waits on the first's uncommitted dictionary word until the first ends.
      const second = t.db.transaction(async (tx) => {
        await insertAccount(tx as never, establishmentId, { lastName, firstName: `${outcome}-bis` });
      });
      await someoneWaitsForALock();
      release();
      await Promise.all([first, second]);
    }
    // commit: both; rollback: the second only.
    await expectExactCounts(establishmentId);
    const names = async (q: string) => {
      const listed = await listAccounts(t.db, { ...clock, establishmentId, q, page: 1, pageSize: 25 });
      return { total: listed.total, firstNames: listed.items.map((a) => a.firstName).sort() };
    };
    expect(await names('zebulon')).toEqual({ total: 2, firstNames: ['commit', 'commit-bis'] });
    expect(await names('zephyrin')).toEqual({ total: 1, firstNames: ['rollback-bis'] });
  });
});
