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
  return url.toString();
}
