/**
 * PostgreSQL stops under load and comes back: the API process stays up, business routes answer 503
 * with Retry-After (never 500), and once PostgreSQL is back every pooled connection works again.
 * A PostgreSQL of this file's own is stopped for real, so the other files are not disturbed.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../config/env';
import { createDatabase } from '../../../db/client';
import { isDatabaseUnavailable } from '../../../db/outage';
import { outageApp, ownPostgres } from '../../support/outage';

describe('PostgreSQL outage under load', () => {
  it('answers 503 with Retry-After while it is down, never crashes, and recovers every pooled connection', async () => {
    const stack = inject('stack');
    const pg = await ownPostgres('peps-pg-outage');
    const url = pg.url;
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, TEMPORAL_ADDRESS: stack.temporalAddress, TEMPORAL_TASK_QUEUE: 'pg-outage-no-worker' });
    // No retry budget (DATABASE_RETRY_SECONDS=0): every call made while it is down answers at once.
    // Waiting out a restart is postgres-restart.test.ts's.
    const database = createDatabase(url, { max: 4 });
    const { app, est, auth, createAccount, close } = await outageApp(database.db, config);
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);

    try {
      let n = 0;
      const calls = [
        () => app.request('/me', { headers: auth }),
        () => app.request(`/establishments/${est.id}/accounts?q=louty`, { headers: auth }),
        () => app.request(`/establishments/${est.id}/history`, { headers: auth }),
        () => createAccount(`outage-${(n += 1)}-${Date.now()}@employeur.test`),
      ];
      const seen: { status: number; retryAfter: string | null; code?: string; phase: string }[] = [];
      let phase = 'up';
      let running = true;
      const worker = async (i: number) => {
        for (let k = i; running; k++) {
          const startedIn = phase;
          const res = await calls[k % calls.length]!();
          const body = res.headers.get('content-type')?.includes('json') ? ((await res.json()) as { code?: string }) : undefined;
          seen.push({ status: res.status, retryAfter: res.headers.get('retry-after'), code: body?.code, phase: startedIn });
        }
      };
      const load = Promise.all(Array.from({ length: 8 }, (_, i) => worker(i)));

      const until = async (done: () => boolean) => {
        while (!done()) await new Promise((r) => setTimeout(r, 50));
      };
      const count = (p: string, ok: (s: (typeof seen)[number]) => boolean = () => true) => seen.filter((s) => s.phase === p && ok(s)).length;
      await until(() => count('up') >= 12);
      phase = 'down';
      await pg.stop();
      await until(() => count('down') >= 12);
      phase = 'restarting';
      await pg.start();
      // The first success after the restart, then every call must succeed.
      await until(() => count('restarting', (s) => s.status < 300) >= 1);
      phase = 'back';
      await until(() => count('back') >= 40);
      running = false;
      await load;

      expect(uncaught).toEqual([]);
      const byPhase = (p: string) => seen.filter((s) => s.phase === p);
        expect(byPhase('up').filter((s) => s.status < 300).length).toBeGreaterThan(0);
      expect(seen.filter((s) => s.status >= 500 && s.status !== 503)).toEqual([]);
      const unavailable = seen.filter((s) => s.status === 503);
      expect(unavailable.length).toBeGreaterThan(0);
      expect(unavailable.every((s) => s.code === 'service_unavailable' && Number(s.retryAfter) > 0)).toBe(true);
      // Back: every connection of the pool works again (8 callers on 4 connections use all of them).
      expect(byPhase('back').filter((s) => s.status >= 300)).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await database.close().catch(() => {});
      await close();
      await pg.remove();
    }
  }, 90_000);

  it('fails a transaction whose connection dies (no crash from the driver) and serves the next query', async () => {
    const stack = inject('stack');
    const database = createDatabase(stack.databaseUrl, { max: 1 });
    const killer = createDatabase(stack.databaseUrl, { max: 1 });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const failure = await database.db
        .transaction(async (tx) => {
          const [{ pid }] = (await tx.execute(sql`select pg_backend_pid() as pid`)) as unknown as [{ pid: number }];
          await killer.db.execute(sql`select pg_terminate_backend(${pid})`);
          await tx.execute(sql`select 1`);
        })
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(isDatabaseUnavailable(failure)).toBe(true);
      await new Promise((r) => setTimeout(r, 200)); // the driver's deferred write would crash here
      expect(uncaught).toEqual([]);
      expect(await database.db.execute(sql`select 1 as one`)).toEqual([{ one: 1 }]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await database.close();
      await killer.close();
    }
  });
});
