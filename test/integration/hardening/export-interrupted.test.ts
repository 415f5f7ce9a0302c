/**
 * An export that stops midway, on either side: the client goes away, or PostgreSQL's connection dies
 * during the COPY. The API keeps running, the download breaks (never a 500 page after the 200), and
 * the connection goes back to the pool: on a pool of ONE connection, the next requests are served.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../config/env';
import { createDatabase } from '../../../db/client';
import { createIsolatedDatabase } from '../../support/isolated-database';
import { outageApp } from '../../support/outage';

// About 18 MB of CSV: more than the socket buffers hold, so the COPY is still running when it is cut.
const ROWS = 30_000;

describe('an interrupted export', () => {
  it('releases its connection when the client leaves, and when PostgreSQL kills it midway', async () => {
    const stack = inject('stack');
    // A database of its own: these 30,000 accounts would weigh on the other files' platform-wide queries.
    const url = await createIsolatedDatabase(stack.databaseUrl, 'export_interrupted');
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, TEMPORAL_ADDRESS: stack.temporalAddress, TEMPORAL_TASK_QUEUE: 'export-interrupted-no-worker' });
    const database = createDatabase(url, { max: 1 });
    const killer = createDatabase(url, { max: 1 });
    const { app, est, auth, close } = await outageApp(database.db, config);
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    const exportPath = `/establishments/${est.id}/accounts/export.csv`;
    const listPath = `/establishments/${est.id}/accounts`;
    const withDeadline = <T>(p: T | Promise<T>) =>
      Promise.race([Promise.resolve(p), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no connection came back to the pool')), 10_000))]);
    try {
      const tag = Math.random().toString(36).slice(2, 6).toUpperCase();
      await database.db.execute(sql`
        insert into accounts (establishment_id, login_id, profile, civility, last_name, first_name, email, service_function, status, expires_on, search_text)
        select ${est.id}, ${tag} || lpad(n::text, 5, '0'), 'user', 'madame', 'Export', 'Nina ' || n, 'nina' || n || '@employeur.test', repeat('Service ', 70),
               'active', current_date + 100, 'export nina ' || n
        from generate_series(1, ${ROWS}) as n`);

      // The client reads one chunk and leaves.
      const left = await app.request(exportPath, { headers: auth });
      expect(left.status).toBe(200);
      const reader = left.body!.getReader();
      expect((await reader.read()).done).toBe(false);
      await reader.cancel();
      expect((await withDeadline(app.request(listPath, { headers: auth }))).status).toBe(200);

      // PostgreSQL ends the connection in the middle of the COPY.
      const broken = await app.request(exportPath, { headers: auth });
      expect(broken.status).toBe(200);
      const body = broken.body!.getReader();
      let bytes = (await body.read()).value!.length;
      const copying = (await killer.db.execute(
        sql`select pid from pg_stat_activity where state = 'active' and query like 'copy (%' and pid <> pg_backend_pid()`,
      )) as unknown as { pid: number }[];
      expect(copying).toHaveLength(1);
      await killer.db.execute(sql`select pg_terminate_backend(${copying[0]!.pid})`);
      const outcome = await (async () => {
        for (;;) {
          const { done, value } = await body.read();
          if (done) return 'ended';
          bytes += value.length;
        }
      })().catch(() => 'broken');
      expect(outcome).toBe('broken'); // a truncated download, not a complete-looking file
      expect(bytes).toBeLessThan(ROWS * 500);

      // The pool's only connection is replaced: lists and a whole export work again.
      expect((await withDeadline(app.request(listPath, { headers: auth }))).status).toBe(200);
      const whole = await withDeadline(app.request(exportPath, { headers: auth }));
      expect((await whole.text()).split('\r\n')).toHaveLength(ROWS + 3); // header, admin, rows, final line end
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
      await database.close();
      await killer.close();
      await close();
    }
  }, 60_000);
});
