import { sql, type SQL } from 'drizzle-orm';
import { accountNameCounts, accounts, NAME_PREFIX_LENGTHS } from '../schema';

/**
 * The ids of the `limit` accounts at `offset` in the establishment's whole list (no search, filter or
 * selection), in name order, as one statement that costs about the same at any depth: the coarse
 * prefixes' counts (account_name_counts, summed over shards) say in which coarse prefix `offset`
 * falls and how many accounts come before it; the fine prefixes of that one alone say the same at the
 * finer grain; then the page is a range of the list index from that fine prefix's first key, skipping
 * only the accounts of the fine prefix before the page (at most one surname's or so, against all the
 * accounts before the page). Counts and accounts are read in one snapshot: the offset is exact.
 * Nothing when `offset` is past the end.
 */
export function rankedPageIds(establishmentId: string, offset: number, limit: number): SQL {
  const c = accountNameCounts;
  return sql`
    with coarse as (
      select ${c.prefix} as prefix, sum(${c.n})::int as n from ${c}
      where ${c.establishmentId} = ${establishmentId} and ${c.prefixLength} = ${NAME_PREFIX_LENGTHS.coarse}
      group by 1 having sum(${c.n}) <> 0
    ), coarse_hit as (
      -- next: where the coarse prefix's fine ones end (after the last, U+10FFFF: above every search text).
      select prefix, next, before from (
        select prefix, n, lead(prefix, 1, chr(1114111)) over w as next, sum(n) over w - n as before from coarse window w as (order by prefix)
      ) as placed
      where before + n > ${offset}::bigint order by prefix limit 1
    ), fine as (
      select ${c.prefix} as prefix, sum(${c.n})::int as n from ${c}, coarse_hit
      where ${c.establishmentId} = ${establishmentId} and ${c.prefixLength} = ${NAME_PREFIX_LENGTHS.fine}
        and ${c.prefix} >= coarse_hit.prefix and ${c.prefix} < coarse_hit.next
      group by 1 having sum(${c.n}) <> 0
    ), fine_hit as (
      select prefix, before from (
        select fine.prefix, fine.n, coarse_hit.before + sum(fine.n) over (order by fine.prefix) - fine.n as before from fine, coarse_hit
      ) as placed
      where before + n > ${offset}::bigint order by prefix limit 1
    )
    select page.id from fine_hit, lateral (
      select ${accounts.id} as id from ${accounts}
      where ${accounts.establishmentId} = ${establishmentId} and ${accounts.status} <> 'deleted' and ${accounts.searchText} >= fine_hit.prefix
      order by ${accounts.searchText}, ${accounts.id} offset ${offset}::bigint - fine_hit.before limit ${limit}
    ) as page`;
}
