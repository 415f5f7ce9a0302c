/**
 * Temporal stops: account creation fails fast with 503 (Retry-After), writes nothing, and holds no
 * database connection meanwhile (the pool of one serves another request at once). A Temporal dev
 * server of this file's own is stopped for real.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';
import { createApp } from '../../../api/app';
import { systemClock } from '../../../api/deps';
import { loadConfig } from '../../../config/env';
import { createDatabase } from '../../../db/client';
import { findFreePort } from '../../../dev/ports';
import { startTemporalDevServer } from '../../../dev/temporal';
import { hashPassword } from '../../../security/passwords';
import { insertAccount, insertEstablishment } from '../../support/fixtures';
import { countAccounts } from '../accounts/helpers';

describe('Temporal outage', () => {
  it('creation answers 503 within seconds, writes nothing and holds no database connection', async () => {
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
    const connection = await Connection.connect({ address: config.temporal.address });
    const app = createApp({ db: database.db, temporal: new Client({ connection }), config, clock: systemClock });
    try {
      const est = await insertEstablishment(database.db);
      const admin = await insertAccount(database.db, est.id, { profile: 'admin', passwordHash: await hashPassword('Motdepasse-2026') });
      const login = await app.request('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ loginId: admin.loginId, password: 'Motdepasse-2026' }),
      });
      const { token } = (await login.json()) as { token: string };
      const auth = { authorization: `Bearer ${token}` };
      const create = (n: number) => {
        const email = `temporal-outage-${n}@employeur.test`;
        return app.request(`/establishments/${est.id}/accounts`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ profile: 'user', civility: 'madame', lastName: 'Louty', firstName: 'Jeanne', email, emailConfirmation: email }),
        });
      };
      expect((await create(1)).status).toBe(201);
      const before = await countAccounts(database.db, est.id);

      await temporalServer.stop();
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
    } finally {
      await database.close();
      await connection.close();
      await temporalServer.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
