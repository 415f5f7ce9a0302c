/**
 * The list's totals and group counts come from maintained counters (account_counts, kept by
 * triggers) corrected for the clock (accounts expired earlier this month, lockouts running now); its
 * grouped pages are read group by group. Both must give exactly what counting and sorting the
 * accounts themselves gives, for every filter and grouping, after inserts, updates and deletions.
 */
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { effectiveStatus } from '../../../db/queries/account-status';
import { type AccountGroupBy, listAccounts, type ListPosition, listPosition } from '../../../db/queries/accounts';
import { accounts } from '../../../db/schema';
import { ACCOUNT_STATUSES, type AccountStatus, type Profile } from '../../../domain/account';
import { insertAccount, insertEstablishment } from '../../support/fixtures';
import { useTestApp } from '../../support/harness';

const t = useTestApp();

// A fixed clock in the middle of a month: some accounts expired earlier this month, some today.
const today = '2026-11-20';
const now = new Date('2026-11-20T10:00:00Z');
const clock = { today, now };

const GROUP_ORDER: Record<AccountGroupBy, string> = {
  profile: 'profile',
  status: `array_position(array[${ACCOUNT_STATUSES.map((s) => `'${s}'`).join(',')}]::text[], status)`,
  expiryMonth: 'expiry_month',
};

/** The list as the plain query on the accounts gives it: every matching account, sorted, with its group. */
async function reference(establishmentId: string, groupBy: AccountGroupBy | undefined, filter: { status?: AccountStatus; profile?: Profile; q?: string }) {
  const rows = (await t.db.execute(sql`
    select id, profile::text as profile, status, expiry_month from (
      select ${accounts.id} as id, ${accounts.profile} as profile, ${effectiveStatus(today, now)} as status,
             to_char(${accounts.expiresOn}, 'YYYY-MM') as expiry_month, ${accounts.searchText} as search_text
      from ${accounts} where ${accounts.establishmentId} = ${establishmentId}
    ) a
    where status <> 'deleted'
      and (${filter.status ?? null}::text is null or status = ${filter.status ?? null})
      and (${filter.profile ?? null}::text is null or profile::text = ${filter.profile ?? null})
      and (${filter.q ?? null}::text is null
           or (select bool_and(search_text like '%' || w || '%') from unnest(string_to_array(${filter.q ?? null}, ' ')) as w))
    order by ${sql.raw(groupBy ? `${GROUP_ORDER[groupBy]}, ` : '')} search_text, id`)) as unknown as {
    id: string;
    profile: string;
    status: string;
    expiry_month: string;
  }[];
  const keyOf = (r: (typeof rows)[number]) => (groupBy === 'profile' ? r.profile : groupBy === 'status' ? r.status : r.expiry_month);
  const groups: { key: string; count: number }[] = [];
  for (const r of rows) {
    const last = groups.at(-1);
    if (last?.key === keyOf(r)) last.count++;
    else groups.push({ key: keyOf(r), count: 1 });
  }
  return { ids: rows.map((r) => r.id), total: rows.length, groups: groupBy ? groups : undefined };
}

async function seedEstablishment() {
  const establishment = await insertEstablishment(t.db);
  const id = establishment.id;
  const blocked = new Date(now.getTime() + 10 * 60_000);
  const unblocked = new Date(now.getTime() - 10 * 60_000);
  const expiries = ['2026-10-31', '2026-11-01', '2026-11-05', '2026-11-19', today, '2026-11-30', '2026-12-01', '2027-05-17'];
  const inserted: string[] = [];
  let i = 0;
  for (const expiresOn of expiries) {
    for (const status of ['active', 'pending_activation', 'deleted'] as const) {
      for (const blockedUntil of [null, blocked, unblocked]) {
        const row = await insertAccount(t.db, id, {
          profile: i % 4 === 0 ? 'admin' : 'user',
          status,
          expiresOn,
          blockedUntil,
          lastName: ['Dupont', 'Lefèvre', 'Zola', 'Émile'][i % 4]!,
          firstName: `Prénom${String(i).padStart(3, '0')}`,
        });
        inserted.push(row.id);
        i++;
      }
    }
  }
  // Every kind of change the counters follow: a renewal, a deletion, a promotion, a set-based update, a real delete.
  await t.db.update(accounts).set({ expiresOn: '2028-01-31' }).where(eq(accounts.id, inserted[0]!));
  await t.db.update(accounts).set({ status: 'deleted' }).where(eq(accounts.id, inserted[3]!));
  await t.db.update(accounts).set({ profile: 'admin' }).where(eq(accounts.id, inserted[6]!));
  await t.db.update(accounts).set({ expiresOn: '2026-11-10' }).where(sql`${accounts.establishmentId} = ${id} and ${accounts.lastName} = 'Zola'`);
  await t.db.delete(accounts).where(eq(accounts.id, inserted[9]!));
  return id;
}

describe('list counts and grouped pages', () => {
  it('equal those of the accounts themselves for every grouping and filter', async () => {
    const establishmentId = await seedEstablishment();
    const filters: { status?: AccountStatus; profile?: Profile; q?: string }[] = [
      {},
      ...ACCOUNT_STATUSES.filter((s) => s !== 'deleted').map((status) => ({ status })),
      { profile: 'admin' },
      { profile: 'user', status: 'active' },
      { q: 'dupont' },
      { q: 'prenom01 zola' },
      { q: 'emile', status: 'expired' },
    ];
    let checkedPages = 0;
    let cursorPages = 0;
    for (const groupBy of [undefined, 'profile', 'status', 'expiryMonth'] as const) {
      for (const filter of filters) {
        const expected = await reference(establishmentId, groupBy, filter);
        const pages: string[] = [];
        for (let page = 1; page <= Math.max(1, Math.ceil(expected.total / 25)); page++) {
          const listed = await listAccounts(t.db, { ...clock, establishmentId, ...filter, groupBy, page, pageSize: 25 });
          const context = JSON.stringify({ groupBy, filter, page });
          expect(listed.total, context).toBe(expected.total);
          expect(listed.groups, context).toEqual(expected.groups);
          pages.push(...listed.items.map((a) => a.id));
          if (groupBy) expect(listed.items.every((a) => a.groupKey !== undefined), context).toBe(true);
          checkedPages++;
        }
        expect(pages, JSON.stringify({ groupBy, filter })).toEqual(expected.ids);

        // The same list walked by cursor (7 a page, so that pages straddle groups): the same accounts, in the same order.
        const walked: string[] = [];
        let after: ListPosition | undefined;
        for (let guard = 0; guard < 100; guard++) {
          const listed = await listAccounts(t.db, { ...clock, establishmentId, ...filter, groupBy, page: 1, pageSize: 7, after });
          expect(listed.positionLost).toBeUndefined();
          walked.push(...listed.items.map((a) => a.id));
          if (!listed.next) break;
          expect(listed.next).toBe(listed.items.at(-1)!.id);
          after = await listPosition(t.db, { ...clock, establishmentId, groupBy }, listed.next);
          cursorPages++;
        }
        expect(walked, JSON.stringify({ groupBy, filter, by: 'cursor' })).toEqual(expected.ids);
      }
    }
    expect(checkedPages).toBeGreaterThanOrEqual(40);
    expect(cursorPages).toBeGreaterThanOrEqual(40);
  });
});

describe('the first page grouped by status', () => {
  it('starts with the first group that has accounts, whether or not any account is pending', async () => {
    // The pending group's page is read beside the counts and kept only when that group comes first.
    const establishmentId = (await insertEstablishment(t.db)).id;
    const expiredPending = { status: 'pending_activation' as const, expiresOn: '2026-11-05' };
    for (let i = 0; i < 30; i++) {
      await insertAccount(t.db, establishmentId, { lastName: `Actif${String(i).padStart(2, '0')}`, expiresOn: '2027-01-31' });
    }
    await insertAccount(t.db, establishmentId, { lastName: 'Aaron', ...expiredPending });
    const firstPage = async () => {
      const listed = await listAccounts(t.db, { ...clock, establishmentId, groupBy: 'status', page: 1, pageSize: 25 });
      const expected = await reference(establishmentId, 'status', {});
      expect(listed.groups).toEqual(expected.groups);
      expect(listed.items.map((a) => a.id)).toEqual(expected.ids.slice(0, 25));
      return listed;
    };
    const withoutPending = await firstPage();
    expect(withoutPending.groups!.map((g) => g.key)).toEqual(['active', 'expired']);
    expect(withoutPending.items.every((a) => a.groupKey === 'active')).toBe(true);

    // Two pending accounts now come first, then 23 of the active ones.
    await insertAccount(t.db, establishmentId, { lastName: 'Zoé', status: 'pending_activation', expiresOn: '2027-01-31' });
    await insertAccount(t.db, establishmentId, { lastName: 'Yves', status: 'pending_activation', expiresOn: '2027-01-31' });
    const withPending = await firstPage();
    expect(withPending.items.map((a) => a.groupKey)).toEqual([...Array(2).fill('pending_activation'), ...Array(23).fill('active')]);
  });
});

describe('deep pages by number', () => {
  it('read from the end of the list give the same accounts as counting from its start', async () => {
    const establishment = await insertEstablishment(t.db);
    const id = establishment.id;
    // 2,600 accounts (past the offset from which the second half is read backwards), names sharing prefixes, a few deleted.
    await t.db.execute(sql`
      insert into ${accounts} (establishment_id, login_id, profile, civility, last_name, first_name, email, status, expires_on, search_text)
      select ${id}, 'DP' || lpad(n::text, 7, '0'), 'user', 'madame', 'Nom' || (n % 37), 'Prénom' || n, 'p' || n || '@employeur.test',
             (case when n % 50 = 0 then 'deleted' else 'active' end)::account_status, ${today}::date + 30,
             'nom' || (n % 37) || ' prenom' || n
      from generate_series(1, 2600) as n`);
    const expected = await reference(id, undefined, {});
    expect(expected.total).toBe(2548);
    const lastPage = Math.ceil(expected.total / 25);
    for (const page of [81, 90, 101, lastPage - 1, lastPage, lastPage + 1]) {
      const listed = await listAccounts(t.db, { ...clock, establishmentId: id, page, pageSize: 25 });
      const context = `page ${page}`;
      expect(listed.total, context).toBe(expected.total);
      expect(listed.items.map((a) => a.id), context).toEqual(expected.ids.slice((page - 1) * 25, page * 25));
      expect(listed.next, context).toBe(page < lastPage ? listed.items.at(-1)!.id : null);
    }
  });

  it('filtered by « Bloqué » or « Administrateur », read off their own indexes from either end, give the plain query’s accounts', async () => {
    const id = (await insertEstablishment(t.db)).id;
    // 3,000 accounts, most admins and most locked out now, beside lockouts that are over, expired and
    // deleted accounts with a lockout running, so that each filter keeps more than the deep offset. No
    // admin is active (each is locked out, pending, expired or deleted): the file shares the platform's
    // database with the monthly reminder's test, which emails every active admin of an establishment
    // whose accounts expire next month.
    await t.db.execute(sql`
      insert into ${accounts} (establishment_id, login_id, profile, civility, last_name, first_name, email, status, expires_on, blocked_until, search_text)
      select ${id}, 'BL' || lpad(n::text, 7, '0'), (case when n % 10 = 0 then 'user' else 'admin' end)::profile, 'madame',
             'Nom' || (n % 37), 'Prénom' || n, 'b' || n || '@employeur.test',
             (case when n % 50 = 0 then 'deleted' when n % 7 = 0 or n % 11 = 0 or n % 13 = 0 then 'pending_activation'
                   else 'active' end)::account_status,
             ${today}::date + (case when n % 23 = 0 then -3 else 30 end),
             case when n % 11 = 0 then null when n % 13 = 0 then ${now.toISOString()}::timestamptz - interval '5 minutes'
                  else ${now.toISOString()}::timestamptz + interval '5 minutes' end,
             'nom' || (n % 37) || ' prenom' || n
      from generate_series(1, 3000) as n`);
    expect((await reference(id, undefined, { status: 'active', profile: 'admin' })).total).toBe(0);
    for (const filter of [{ status: 'blocked' }, { profile: 'admin' }, { status: 'blocked', profile: 'admin' }] as const) {
      const expected = await reference(id, undefined, filter);
      expect(expected.total, JSON.stringify(filter)).toBeGreaterThan(2_100);
      const lastPage = Math.ceil(expected.total / 25);
      for (const page of [1, 2, 81, 85, lastPage - 1, lastPage, lastPage + 1]) {
        const listed = await listAccounts(t.db, { ...clock, establishmentId: id, ...filter, page, pageSize: 25 });
        const context = JSON.stringify({ filter, page });
        expect(listed.total, context).toBe(expected.total);
        expect(listed.items.map((a) => a.id), context).toEqual(expected.ids.slice((page - 1) * 25, page * 25));
      }
      const after = await listPosition(t.db, { ...clock, establishmentId: id }, expected.ids[1_999]!);
      const listed = await listAccounts(t.db, { ...clock, establishmentId: id, ...filter, page: 1, pageSize: 25, after });
      expect(listed.items.map((a) => a.id), JSON.stringify({ filter, after: 2_000 })).toEqual(expected.ids.slice(2_000, 2_025));
    }
  });
});
