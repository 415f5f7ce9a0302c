import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema';

export function createDatabase(url: string, options: { max?: number } = {}) {
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
  const db = drizzle(client, { schema, casing: 'snake_case' });
  return { db, client, close: () => client.end({ timeout: 5 }) };
}

export type Database = ReturnType<typeof createDatabase>['db'];
/** A transaction handle: query functions take `Db` so they run alike inside or outside a transaction. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
export type Db = Database | Transaction;

/** The health check's probe: the database answers a trivial query. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}

// postgres.js codes of a connection that is gone or cannot be had; PostgreSQL's own classes 08
// (connection exception), 57P01-57P03 (shutdown, cannot connect now) and 53300 (too many connections).
const CONNECTION_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Whether an error (or its cause: Drizzle wraps the driver's) says the database cannot be reached,
 * as opposed to a query it refused: the first is an outage (503, retry later), the second a bug (500).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (CONNECTION_CODES.has(code) || NETWORK_CODES.has(code)) return true;
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
  }
  return false;
}
