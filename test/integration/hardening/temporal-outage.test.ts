/**
 * Temporal stops: account creation (and a renewal) fails fast with 503 (Retry-After), writes nothing, and holds no
 * database connection meanwhile (the pool of one serves another request at once). A Temporal dev
 * server of this file's own is stopped for real.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../config/env';
import { createDatabase } from '../../../db/client';
import { findFreePort } from '../../../dev/ports';
import { startTemporalDevServer } from '../../../dev/temporal';
import { outageApp } from '../../support/outage';
import { findAccountWithEstablishment } from '../../../db/queries/accounts';
import { insertAccount } from '../../support/fixtures';
import { countAccounts } from '../accounts/helpers';

/** Resolves once nothing listens at `address` any more (host:port). */
async function untilRefused(address: string): Promise<void> {
  const [host, port] = address.split(':');
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect(Number(port), host, () => (socket.destroy(), resolve(false)));
      socket.once('error', () => resolve(true));
    });
    if (refused) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Temporal outage', () => {
  it('creation and renewal answer 503 within seconds, write nothing and hold no database connection', async () => {
    const stack = inject('stack');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'peps-temporal-outage-'));
    const temporalServer = await startTemporalDevServer({
      dbFile: path.join(dir, 'temporal.db'),
      logFile: path.join(dir, 'temporal.log'),
      port: await findFreePort(),
      uiPort: await findFreePort(),
      namespace: 'default',
    });
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: stack.databaseUrl, TEMPORAL_ADDRESS: temporalServer.address, TEMPORAL_TASK_QUEUE: 'temporal-outage' });
    // One connection: if creation held it while waiting for Temporal, GET /me would wait too.
    const database = createDatabase(config.database.url, { max: 1 });
    const { app, est, auth, createAccount, close } = await outageApp(database.db, config);
    try {
      const create = (n: number) => createAccount(`temporal-outage-${n}@employeur.test`);
      expect((await create(1)).status).toBe(201);
      const before = await countAccounts(database.db, est.id);

      // The creation's answer is fresh when the server stops (ensureTemporalReachable trusts an answer of
      // the last second): the channel the server closed on stopping must still send this one to the check.
      const stopped = temporalServer.stop();
      await untilRefused(temporalServer.address);
      const finished: string[] = [];
      const started = Date.now();
      const creation = Promise.resolve(create(2)).then((res) => (finished.push('create'), res));
      await new Promise((r) => setTimeout(r, 200));
      const me = await app.request('/me', { headers: auth });
      finished.push('me');
      const res = await creation;
      const elapsedMs = Date.now() - started;

      expect(me.status).toBe(200);
      expect(finished).toEqual(['me', 'create']);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { code: string }).code).toBe('service_unavailable');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(elapsedMs).toBeLessThan(10_000); // the outage answer itself, not a speed target: unbounded before (15–42 s)
      expect(await countAccounts(database.db, est.id)).toBe(before);
      await stopped;

      // A single renewal signals the account's validity workflow: Temporal is asked before the
      // rule's transaction opens, so the outage answer does not hold the connection either.
      const renewable = await insertAccount(database.db, est.id, { expiresOn: '2026-12-31' });
      const order: string[] = [];
      const renewal = Promise.resolve(
        app.request(`/establishments/${est.id}/accounts/${renewable.id}/renew`, { method: 'POST', headers: auth }),
      ).then((r) => (order.push('renew'), r));
      await new Promise((r) => setTimeout(r, 200));
      expect((await app.request('/me', { headers: auth })).status).toBe(200);
      order.push('me');
      expect((await renewal).status).toBe(503);
      expect(order).toEqual(['me', 'renew']);
      expect((await findAccountWithEstablishment(database.db, renewable.id))?.account.expiresOn).toBe('2026-12-31');
    } finally {
      await database.close();
      await close();
      await temporalServer.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
