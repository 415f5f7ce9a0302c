/**
 * The API waits out a short PostgreSQL restart instead of answering 503 (db/outage.ts): a request
 * arriving while it is down, or in flight when it shuts down, gets its 201 once it is back, with
 * exactly one account and one audit entry; past the budget, the 503 with Retry-After as before, and
 * nothing written. A PostgreSQL of this file's own is stopped for real.
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../config/env';
import { createDatabase } from '../../../db/client';
import { outageApp, ownPostgres } from '../../support/outage';

let pg: Awaited<ReturnType<typeof ownPostgres>>;
let patient: ReturnType<typeof createDatabase>;
let brief: ReturnType<typeof createDatabase>;
let apps: { patient: Awaited<ReturnType<typeof outageApp>>; brief: Awaited<ReturnType<typeof outageApp>> };

beforeAll(async () => {
  pg = await ownPostgres('peps-pg-restart');
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: pg.url, TEMPORAL_ADDRESS: inject('stack').temporalAddress, TEMPORAL_TASK_QUEUE: 'pg-restart-no-worker' });
  // A budget long enough for this machine's restart of PostgreSQL, even at load 10 (15 s was not, once),
  // and one shorter than any.
  patient = createDatabase(pg.url, { max: 4, retryMs: 30_000 });
  brief = createDatabase(pg.url, { max: 2, retryMs: 300 });
  apps = { patient: await outageApp(patient.db, config), brief: await outageApp(brief.db, config) };
}, 60_000);

afterAll(async () => {
  await apps?.patient.close();
  await apps?.brief.close();
  await patient?.close().catch(() => {});
  await brief?.close().catch(() => {});
  await pg?.remove();
});

/** The accounts with this email and their creation audit entries, read on a connection of its own. */
async function written(email: string) {
  const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  try {
    const accounts = await sql<{ id: string; login_id: string }[]>`select id, login_id from accounts where email = ${email}`;
    const audit = await sql`select 1 from audit_events where action = 'account.create' and target_account_id in ${sql(accounts.length ? accounts.map((a) => a.id) : [randomUUID()])}`;
    return { loginIds: accounts.map((a) => a.login_id), auditEntries: audit.length };
  } finally {
    await sql.end();
  }
}

/** A 201, and exactly the account it names, with its one audit entry. */
async function expectCreatedOnce(res: Response, address: string) {
  expect(res.status).toBe(201);
  const body = (await res.json()) as { loginId: string };
  expect(await written(address)).toEqual({ loginIds: [body.loginId], auditEntries: 1 });
}

const email = (what: string) => `${what}-${randomUUID().slice(0, 8)}@employeur.test`;

describe('PostgreSQL restarted under a request', () => {
  it('a request arriving while it is down waits for it: 201, one account, one audit entry', async () => {
    const address = email('arrives-while-down');
    await pg.stop();
    const answer = apps.patient.createAccount(address);
    await new Promise((r) => setTimeout(r, 500)); // the request is waiting on a refused connection
    await pg.start();
    await expectCreatedOnce(await answer, address);
  }, 60_000);

  it('a request in flight when it shuts down is re-run once it is back: 201, one account, one audit entry', async () => {
    const address = email('in-flight');
    // A lock the creation's INSERT waits on, so it is in flight for sure when the shutdown comes.
    const locker = postgres(pg.url, { max: 2, onnotice: () => {} }); // one held, one to watch
    const held = await locker.reserve();
    await held`begin`;
    await held`lock table accounts in share mode`;
    const answer = apps.patient.createAccount(address);
    for (;;) {
      const [waiting] = await locker`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%insert into "accounts"%'`; // the creation's one statement (its CTEs)
      if (waiting) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await pg.stop(); // fast shutdown: the waiting INSERT fails with 57P01, its transaction rolls back
    held.release();
    await locker.end({ timeout: 1 }).catch(() => {});
    await pg.start();
    await expectCreatedOnce(await answer, address);
  }, 60_000);

  it('an outage longer than the budget still answers 503 with Retry-After, and writes nothing', async () => {
    const address = email('outlasts-budget');
    await pg.stop();
    try {
      const res = await apps.brief.createAccount(address);
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await res.json()) as { code: string }).code).toBe('service_unavailable');
    } finally {
      await pg.start();
    }
    expect(await written(address)).toEqual({ loginIds: [], auditEntries: 0 });
  }, 60_000);
});
