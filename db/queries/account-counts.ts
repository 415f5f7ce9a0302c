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
 *   now (and not expired) are read from the accounts table (a few thousand at most, off small indexes)
 *   and tallied by what the list's expressions can tell apart (profile, stored status, expiry month,
 *   expired today, locked out now); each tally comes twice: as the counters see those accounts (weight -n) and as
 *   they are (weight +n), with the month as expiry day (the first day of the month for those expired,
 *   today for this month's others, as counted) and the latest lockout end of the tally.
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
  const asCounted = (month: SQL) => sql`case when ${month} = ${monthStart}::date then ${today}::date else ${month} end`;
  const counted = sql`
    select ${accountCounts.establishmentId} as establishment_id, ${accountCounts.profile} as profile, ${accountCounts.status} as status,
           ${asCounted(sql`${accountCounts.expiryMonth}`)} as expires_on, null::timestamptz as blocked_until, ${accountCounts.n} as w
    from ${accountCounts}
    where ${accountCounts.establishmentId} = ${establishmentId} and ${accountCounts.n} <> 0`;
  if (!byStatus) return counted;
  const expiredThisMonth = sql`${accounts.expiresOn} >= ${monthStart}::date and ${accounts.expiresOn} < ${today}::date`;
  const blockedNow = sql`${accounts.blockedUntil} > ${now.toISOString()}::timestamptz`;
  // Two plain index-only reads (accounts_expiry_count_idx, accounts_blocked_idx), tallied once: a few
  // dozen rows go on to the list's expressions instead of every corrected account twice.
  const read = (which: SQL) => sql`
    select ${accounts.profile} as profile, ${accounts.status} as status, ${accounts.expiresOn} as expires_on, ${accounts.blockedUntil} as blocked_until
    from ${accounts}
    where ${accounts.establishmentId} = ${establishmentId} and ${accounts.status} <> 'deleted' and ${which}`;
  // The month of a day without a time zone (a date cast to timestamptz looks the zone up: a third of
  // the statement's time for 2,000 corrected accounts). A lockout of an account expired before this
  // month corrects nothing (expired either way, in the same month): not read.
  const misCounted = sql`
    select profile, status, date_trunc('month', expires_on::timestamp)::date as month, expires_on < ${today}::date as expired,
           max(blocked_until) as blocked_until, count(*)::int as n
    from (${read(expiredThisMonth)} union all ${read(sql`${blockedNow} and ${accounts.expiresOn} >= ${today}::date`)}) as corrected
    group by 1, 2, 3, 4, blocked_until > ${now.toISOString()}::timestamptz`;
  return sql`with mis_counted as materialized (${misCounted})
    ${counted}
    union all select ${establishmentId}::uuid, profile, status, ${asCounted(sql`month`)}, null::timestamptz, -n from mis_counted
    union all select ${establishmentId}::uuid, profile, status, case when expired then month else ${asCounted(sql`month`)} end, blocked_until, n
      from mis_counted`;
}

/** The last day of `day`'s month. */
export function monthEnd(day: string): string {
  const [y, m] = day.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  return addDays(next, -1);
}
