import { type Placeholder, sql, type SQL } from 'drizzle-orm';
import type { AccountStatus } from '../../domain/account';
import { accounts } from '../schema';

/**
 * The status people see, computed from what is stored: deleted, then expired (expiry day before today),
 * then blocked (lockout not over), else the stored pending/active. The only place this rule lives.
 * `today` and `now` may be placeholders of a prepared statement (`now` then given as an ISO string).
 */
export function effectiveStatus(today: string | Placeholder, now: Date | Placeholder): SQL<AccountStatus> {
  return sql<AccountStatus>`(case
    when ${accounts.status} = 'deleted' then 'deleted'
    when ${accounts.expiresOn} < ${today}::date then 'expired'
    when ${accounts.blockedUntil} is not null and ${accounts.blockedUntil} > ${now instanceof Date ? now.toISOString() : now}::timestamptz then 'blocked'
    else ${accounts.status}::text end)`;
}

/**
 * `effectiveStatus(today, now) = status` written so that PostgreSQL can use the indexes (a filter
 * on the CASE above reads every account): same rule, same order of precedence.
 */
export function hasEffectiveStatus(status: AccountStatus, today: string, now: Date): SQL {
  const notExpired = sql`${accounts.expiresOn} >= ${today}::date`;
  const blockedNow = sql`${accounts.blockedUntil} > ${now.toISOString()}::timestamptz`;
  switch (status) {
    case 'deleted':
      return sql`${accounts.status} = 'deleted'`;
    case 'expired':
      return sql`(${accounts.status} <> 'deleted' and ${accounts.expiresOn} < ${today}::date)`;
    case 'blocked':
      return sql`(${accounts.status} <> 'deleted' and ${notExpired} and ${blockedNow})`;
    case 'active':
    case 'pending_activation':
      return sql`(${accounts.status} = ${status} and ${notExpired} and not coalesce(${blockedNow}, false))`;
  }
}
