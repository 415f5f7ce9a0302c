import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { preparedStatement } from '../prepared';
import { idempotencyKeys } from '../schema';

/** A stable fingerprint of a request: same operation and same body (keys in any order) give the same hash. */
export function requestFingerprint(operation: string, body: unknown): string {
  return createHash('sha256').update(`${operation}\n${canonicalJson(body)}`).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * The look-up before a keyed creation and the store in its transaction are prepared statements built
 * once (db/prepared.ts): every client that retries sends a key, so both run on each creation through
 * HTTP, and Drizzle's builder spent more of the API's CPU on them than PostgreSQL did, each in two round
 * trips (README « Creation: the request as HTTP clients send it »).
 */
const findStatement = preparedStatement<{ request_hash: string; response_body: unknown }>(
  'find_idempotent_response',
  () => sql`select request_hash, response_body from ${idempotencyKeys}
    where actor_account_id = ${sql.placeholder('actorAccountId')} and key = ${sql.placeholder('key')}`,
);

const storeStatement = preparedStatement(
  'store_idempotent_response',
  () => sql`insert into ${idempotencyKeys} (actor_account_id, key, request_hash, response_status, response_body)
    values (${sql.placeholder('actorAccountId')}, ${sql.placeholder('key')}, ${sql.placeholder('requestHash')},
      ${sql.placeholder('responseStatus')}, ${sql.placeholder('responseBody')}::jsonb)`,
);

export async function findIdempotentResponse(db: Db, actorAccountId: string, key: string) {
  const [row] = await findStatement(db, { actorAccountId, key });
  return row && { requestHash: row.request_hash, responseBody: row.response_body };
}

/** Stored in the transaction that made the change: the key exists exactly when the change does. */
export async function storeIdempotentResponse(
  db: Db,
  values: { actorAccountId: string; key: string; requestHash: string; responseStatus: number; responseBody: unknown },
): Promise<void> {
  await storeStatement(db, { ...values, responseBody: JSON.stringify(values.responseBody) });
}

/** PostgreSQL's unique violation, as raised by postgres.js (possibly wrapped by Drizzle). */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}
