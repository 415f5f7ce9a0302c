import { sql, type SQL } from 'drizzle-orm';
import { addDays } from '../../domain/dates';
import { accountCounts, accounts } from '../schema';

/**
 * The establishment's non-deleted accounts as PostgreSQL can count them without reading them all:
 * a relation with the columns the list's filters and groups look at (establishment, profile, stored
 * status, expiry day, lockout end) and a weight `w`, whose weighted rows add up, for any of those
 * filters and groups, to the same counts as the accounts themselves.
 *
 * - account_counts (kept by triggers, db/schema/account-counts.ts) knows each account's month of
 *   expiry only. Its rows of the current month are given today as expiry day: « not yet expired ».
 * - The accounts for which that is wrong — expired earlier this month — and those locked out right
 *   now are read from the accounts table (a few thousand at most, off small indexes), each twice: once
 *   as the counters see it (weight -1) and once as it is (weight +1).
 *
 * Used as `from (${countableAccounts(...)}) as "accounts"`, so that the very conditions and group
 * expressions written for the accounts table (`accounts.status`, effectiveStatus()…) apply unchanged.
 *
 * `byStatus`: whether the count looks at the displayed status. Only then do the corrections matter:
 * each corrected account is counted -1 and +1 with the same profile and within the same expiry
 * month, so a total, a profile filter or the expiry-month groups add them up to nothing, and they
 * are left out (3,000 accounts read for nothing at 100,000 with 1,500 locked out).
 */
export function countableAccounts(establishmentId: string, today: string, now: Date, byStatus: boolean): SQL {
  const monthStart = `${today.slice(0, 7)}-01`;
  const asCounted = (expiresOn: SQL) =>
    sql`case when date_trunc('month', ${expiresOn})::date = ${monthStart}::date then ${today}::date else date_trunc('month', ${expiresOn})::date end`;
  const expiredThisMonth = sql`${accounts.expiresOn} >= ${monthStart}::date and ${accounts.expiresOn} < ${today}::date`;
  const blockedNow = sql`${accounts.blockedUntil} > ${now.toISOString()}::timestamptz`;
  // Two plain index-only reads (as counted, -1; as it is, +1) rather than a lateral join per account.
  const misCounted = (which: SQL) => {
    const read = (expiresOn: SQL, blockedUntil: SQL, w: number) => sql`
      select ${accounts.establishmentId} as establishment_id, ${accounts.profile} as profile, ${accounts.status} as status,
             ${expiresOn} as expires_on, ${blockedUntil} as blocked_until, ${sql.raw(String(w))} as w
      from ${accounts}
      where ${accounts.establishmentId} = ${establishmentId} and ${accounts.status} <> 'deleted' and ${which}`;
    return sql`${read(asCounted(sql`${accounts.expiresOn}`), sql`null::timestamptz`, -1)}
      union all ${read(sql`${accounts.expiresOn}`, sql`${accounts.blockedUntil}`, 1)}`;
  };
  const counted = sql`
    select ${accountCounts.establishmentId} as establishment_id, ${accountCounts.profile} as profile, ${accountCounts.status} as status,
           ${asCounted(sql`${accountCounts.expiryMonth}`)} as expires_on, null::timestamptz as blocked_until, ${accountCounts.n} as w
    from ${accountCounts}
    where ${accountCounts.establishmentId} = ${establishmentId} and ${accountCounts.n} <> 0`;
  if (!byStatus) return counted;
  return sql`${counted}
    union all ${misCounted(expiredThisMonth)}
    union all ${misCounted(sql`${blockedNow} and not (${expiredThisMonth})`)}`;
}

/** The last day of `day`'s month. */
export function monthEnd(day: string): string {
  const [y, m] = day.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  return addDays(next, -1);
}
