import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../client';
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

export async function findIdempotentResponse(db: Db, actorAccountId: string, key: string) {
  const [row] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.actorAccountId, actorAccountId), eq(idempotencyKeys.key, key)));
  return row;
}

/** Stored in the transaction that made the change: the key exists exactly when the change does. */
export async function storeIdempotentResponse(
  db: Db,
  values: { actorAccountId: string; key: string; requestHash: string; responseStatus: number; responseBody: unknown },
): Promise<void> {
  await db.insert(idempotencyKeys).values(values);
}

/** PostgreSQL's unique violation, as raised by postgres.js (possibly wrapped by Drizzle). */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}
