import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';
import { createApp } from '../../api/app';
import { systemClock } from '../../api/deps';
import { loadConfig } from '../../config/env';
import { createDatabase } from '../../db/client';
import { startEmbeddedPostgres } from '../../dev/postgres';
import { findFreePort } from '../../dev/ports';

describe('GET /health', () => {
  it('reports database and Temporal separately, and turns to 503 when the database stops', async () => {
    const stack = inject('stack');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'peps-health-'));
    await chmod(dir, 0o755);
    // A PostgreSQL of this test's own, so stopping it does not disturb the other files.
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await findFreePort() });
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: pg.url('postgres'), TEMPORAL_ADDRESS: stack.temporalAddress });
    const database = createDatabase(config.database.url, { max: 1 });
    const connection = await Connection.connect({ address: config.temporal.address });
    const app = createApp({ db: database.db, temporal: new Client({ connection }), config, clock: systemClock });
    try {
      const up = await app.request('/health');
      expect(up.status).toBe(200);
      expect(await up.json()).toMatchObject({ status: 'ok', checks: { database: { status: 'up' }, temporal: { status: 'up' } } });

      await pg.stop();
      const down = await app.request('/health');
      expect(down.status).toBe(503);
      const body = (await down.json()) as any;
      expect(body).toMatchObject({ status: 'degraded', checks: { database: { status: 'down' }, temporal: { status: 'up' } } });
      expect(body.checks.database.error).toBeTruthy();
    } finally {
      await database.close().catch(() => {});
      await connection.close();
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports Temporal down when its address does not answer', async () => {
    const stack = inject('stack');
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: stack.databaseUrl });
    const database = createDatabase(config.database.url, { max: 1 });
    const connection = Connection.lazy({ address: `127.0.0.1:${await findFreePort()}` });
    const app = createApp({ db: database.db, temporal: new Client({ connection }), config, clock: systemClock });
    try {
      const res = await app.request('/health');
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ checks: { database: { status: 'up' }, temporal: { status: 'down' } } });
    } finally {
      await database.close();
    }
  });
});
