import { sql, type SQL } from 'drizzle-orm';
import type { AccountStatus } from '../../domain/account';
import { accounts } from '../schema';

/**
 * The status people see, computed from what is stored: deleted, then expired (expiry day before today),
 * then blocked (lockout not over), else the stored pending/active. The only place this rule lives.
 */
export function effectiveStatus(today: string, now: Date): SQL<AccountStatus> {
  return sql<AccountStatus>`(case
    when ${accounts.status} = 'deleted' then 'deleted'
    when ${accounts.expiresOn} < ${today}::date then 'expired'
    when ${accounts.blockedUntil} is not null and ${accounts.blockedUntil} > ${now.toISOString()}::timestamptz then 'blocked'
    else ${accounts.status}::text end)`;
}
