/**
 * A database of its own on the test run's PostgreSQL, migrated. For tests of platform-wide state (the
 * terms of use in force concern every establishment): publishing a version in the shared database would
 * put a notice on every other file's accounts.
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { migrateDatabase } from '../../db/migrate';

export async function createIsolatedDatabase(sharedUrl: string, prefix: string): Promise<string> {
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = postgres(sharedUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(sharedUrl);
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString());
  await moveLoginIdsAway(url.toString());
  return url.toString();
}

/**
 * A second database shares the run's Temporal server with every other file: its login ids (and so its
 * workflow IDs, `activation-<loginId>`…) must not start where the shared database's do.
 */
export async function moveLoginIdsAway(databaseUrl: string): Promise<void> {
  const db = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await db.unsafe(`alter sequence login_id_seq restart with ${100_000 + Math.floor(Math.random() * 800_000)}`);
  } finally {
    await db.end({ timeout: 5 });
  }
}
