/**
 * A page by number of the whole list is found from the name ranks (account_name_counts, kept by
 * statement-level triggers on accounts, migration name_rank): how many non-deleted accounts each
 * establishment has per prefix of its search text. They must give exactly the accounts' own
 * `order by search_text, id limit/offset`, at every offset, whatever was written concurrently,
 * committed or rolled back, and whatever the names share (long common prefixes, names shorter than
 * a prefix, spaces and punctuation that a linguistic collation would ignore).
 */
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { listAccounts } from '../../../db/queries/accounts';
import { rankedPageIds } from '../../../db/queries/name-ranks';
import { accounts } from '../../../db/schema';
import { foldForSearch } from '../../../domain/text';
import { insertAccount, insertEstablishment } from '../../support/fixtures';
import { useTestApp } from '../../support/harness';

const t = useTestApp();
const clock = { today: '2026-11-20', now: new Date('2026-11-20T10:00:00Z') };

// Names that share long prefixes, differ only by a space or an apostrophe, or are shorter than a prefix.
const LAST_NAMES = ['Martin', 'Martine', 'Martinez', 'Martin-Dupont', 'Bernard', 'Bernardin', 'Dubois', 'Dubosc', 'De la Tour', 'Delatour', 'Dela', "D'Aubigné", 'Le Goff', 'Legoff', 'Li', 'A', 'Œuvrard', 'Zoé'];
const FIRST_NAMES = ['Céline', 'Jean', 'Ève', ''];

/** The accounts' own answer: the establishment's non-deleted accounts in list order. */
async function listOrder(establishmentId: string): Promise<string[]> {
  const rows = (await t.db.execute(sql`
    select id from ${accounts} where ${accounts.establishmentId} = ${establishmentId} and ${accounts.status} <> 'deleted'
    order by ${accounts.searchText}, ${accounts.id}`)) as unknown as { id: string }[];
  return rows.map((row) => row.id);
}

/** The ranks the accounts call for, against those stored (summed over shards): equal, prefix for prefix. */
async function ranksDrift(establishmentIds: string[]) {
  const ids = sql`array[${sql.join(establishmentIds.map((id) => sql`${id}::uuid`), sql`, `)}]`;
  return (await t.db.execute(sql`
    select establishment_id, prefix_length, prefix, sum(n)::int as drift from (
      select establishment_id, prefix_length, prefix, n from account_name_counts where establishment_id = any (${ids})
      union all
      select establishment_id, k, left(search_text, k), -count(*) from ${accounts}, (values (2), (4)) as lengths (k)
      where establishment_id = any (${ids}) and status <> 'deleted' group by 1, 2, 3
    ) as both_sides group by 1, 2, 3 having sum(n) <> 0`)) as unknown as unknown[];
}

const LIMIT = 3;

/** Every offset (and one past the end) read from the ranks, against the accounts' own order. */
async function expectExactRanks(establishmentId: string, others: string[]) {
  expect(await ranksDrift([establishmentId, ...others])).toEqual([]);
  const expected = await listOrder(establishmentId);
  for (let offset = 0; offset <= expected.length; offset++) {
    const rows = (await t.db.execute(rankedPageIds(establishmentId, offset, LIMIT))) as unknown as { id: string }[];
    expect(rows.map((row) => row.id), `offset ${offset}`).toEqual(expected.slice(offset, offset + LIMIT));
  }
}

const rename = (lastName: string, firstName: string) => ({ lastName, firstName, searchText: foldForSearch(`${lastName} ${firstName} `) });

describe('pages by number from the name ranks', () => {
  it('equal the accounts’ own order at every offset after creations, renames, deletions and moves running concurrently', async () => {
    const establishmentId = (await insertEstablishment(t.db)).id;
    // Accounts move to and from another establishment: its ranks must follow too.
    const other = (await insertEstablishment(t.db)).id;
    const ids: string[] = [];
    for (let i = 0; i < 48; i++) {
      const fields = rename(LAST_NAMES[i % LAST_NAMES.length]!, FIRST_NAMES[i % FIRST_NAMES.length]!);
      ids.push((await insertAccount(t.db, establishmentId, fields)).id);
      if (i % 5 === 0) await insertAccount(t.db, other, fields);
    }
    await expectExactRanks(establishmentId, [other]);

    // 72 transactions over the pool's connections: each writes then commits, or fails and rolls back.
    const operations = Array.from({ length: 72 }, (_, i) => async () => {
      await t.db
        .transaction(async (tx) => {
          const target = ids[i % ids.length]!;
          const name = LAST_NAMES[(i * 7) % LAST_NAMES.length]!;
          switch (i % 8) {
            case 0: // creation
              await insertAccount(tx as never, establishmentId, rename(name, 'Neuf'));
              break;
            case 1: // rename, to a name of another prefix or of the same
              await tx.update(accounts).set(rename(name, 'Renommé')).where(eq(accounts.id, target));
              break;
            case 2: // deletion (stored status), and back for every other one
              await tx.update(accounts).set({ status: 'deleted' }).where(eq(accounts.id, target));
              if (i % 16 === 2) await tx.update(accounts).set({ status: 'active' }).where(eq(accounts.id, target));
              break;
            case 3: // moved to the other establishment
              await tx.update(accounts).set({ establishmentId: other }).where(eq(accounts.id, target));
              break;
            case 4: // a row deleted for good
              await tx.delete(accounts).where(eq(accounts.id, target));
              break;
            case 5: // rename and deletion in one statement
              await tx.update(accounts).set({ ...rename(name, 'Parti'), status: 'deleted' }).where(eq(accounts.id, target));
              break;
            case 6: // an update that moves nothing between prefixes (a status between listed ones)
              await tx.update(accounts).set({ status: 'pending_activation' }).where(eq(accounts.id, target));
              break;
            case 7: // written, then rolled back: nothing of it may remain
              await insertAccount(tx as never, establishmentId, rename('Annulé', 'Jean'));
              await tx.update(accounts).set(rename('Aaa', 'Annulé')).where(eq(accounts.id, target));
              await tx.update(accounts).set({ establishmentId: other }).where(eq(accounts.id, ids[(i + 1) % ids.length]!));
              throw new Error('rollback');
          }
        })
        .catch((error: unknown) => {
          if (!(error instanceof Error && error.message === 'rollback')) throw error;
        });
    });
    await Promise.all(operations.map((operation) => operation()));
    await expectExactRanks(establishmentId, [other]);
    await expectExactRanks(other, [establishmentId]);

    // Set-based: every Martin renamed in one statement, then half of the establishment moved back and forth.
    await t.db
      .update(accounts)
      .set({ searchText: sql`'a' || ${accounts.searchText}` })
      .where(sql`${accounts.establishmentId} = ${establishmentId} and ${accounts.lastName} like 'Martin%'`);
    await t.db.update(accounts).set({ establishmentId: establishmentId }).where(eq(accounts.establishmentId, other));
    await expectExactRanks(establishmentId, [other]);
    expect(await listOrder(other)).toEqual([]);
  });

  it('serve the whole list’s deep pages by number, with the total', async () => {
    const establishmentId = (await insertEstablishment(t.db)).id;
    // Past the depth from which the list reads its place from the ranks (2,000 accounts): one statement.
    await t.db.execute(sql`
      insert into ${accounts} (establishment_id, login_id, profile, civility, first_name, last_name, email, status, expires_on, search_text)
      select ${establishmentId}, 'R' || lpad(g::text, 8, '0'), 'user', 'madame', 'Céline', n.last, g || '@employeur.test',
             case when g % 10 = 0 then 'deleted' else 'active' end::account_status, '2027-01-01', n.last || ' celine ' || g
      from generate_series(1, 2300) as g,
           lateral (select (array['martin', 'martine', 'martinez', 'de la tour', 'delatour', 'le goff', 'legoff', 'li'])[1 + g % 8] as last) as n`);
    const expected = await listOrder(establishmentId);
    expect(expected).toHaveLength(2070);
    for (const page of [1, 80, 81, 82, 83, 86, 87]) {
      const listed = await listAccounts(t.db, { ...clock, establishmentId, page, pageSize: 25 });
      expect(listed.total).toBe(expected.length);
      expect(listed.items.map((a) => a.id), `page ${page}`).toEqual(expected.slice((page - 1) * 25, page * 25));
      expect(listed.next).toBe(page * 25 < expected.length ? listed.items.at(-1)!.id : null);
    }
  });
});
