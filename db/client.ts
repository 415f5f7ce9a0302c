import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { rideOutRestarts } from './outage';

/**
 * `retryMs`: how long statements and transactions wait out a lost database before failing
 * (db/outage.ts; the API's DATABASE_RETRY_SECONDS). 0, the default, fails at once: the worker's
 * activities are retried by Temporal instead, and tests that want a 503 get it without waiting.
 */
export function createDatabase(url: string, options: { max?: number; retryMs?: number } = {}) {
  const client = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // A server that does not answer fails the request in seconds (503), not after postgres.js's 30 s.
    connect_timeout: 5,
    // Idle connections are closed, so a connection left over from before a server restart is not kept
    // for long; postgres.js reconnects a closed connection on its next use.
    idle_timeout: 60,
    max_lifetime: 30 * 60,
    // Dates stay ISO strings ('YYYY-MM-DD'): an expiry is a calendar day, not an instant.
    types: { date: { to: 1082, from: [1082], serialize: (x: string) => x, parse: (x: string) => x } },
  });
  // No `schema`: nothing uses Drizzle's relational queries (`db.query`), whose builders, one per
  // table, Drizzle would otherwise set up again for every transaction.
  const db = drizzle(rideOutRestarts(client, options.retryMs ?? 0), { casing: 'snake_case' });
  return { db, client, close: () => client.end({ timeout: 5 }) };
}

export type Database = ReturnType<typeof createDatabase>['db'];
/** A transaction handle: query functions take `Db` so they run alike inside or outside a transaction. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
export type Db = Database | Transaction;

/**
 * The health check's probe: the database answers a trivial query. Sent as postgres.js's tagged
 * template, which db/outage.ts does not retry: a health check says how things are now.
 */
export async function pingDatabase(db: Database): Promise<void> {
  await db.$client`select 1`;
}
