import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, waitForPostgres, type EmbeddedPostgres } from '../../dev/postgres';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe('embedded PostgreSQL', { timeout: 120_000 }, () => {
  let root: string;
  let dataDir: string;
  let port: number;
  let pg: EmbeddedPostgres | undefined;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'embedded-pg-'));
    // As root, postgres runs as the "postgres" user, which must be able to traverse the
    // temporary directory (mkdtemp creates it with mode 0700).
    await chmod(root, 0o755);
    dataDir = path.join(root, 'data', 'pg');
    port = await freePort();
  }, 120_000);

  afterAll(async () => {
    await pg?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  }, 120_000);

  it('initialises, creates a database, and keeps data across restarts', async () => {
    pg = await startEmbeddedPostgres({ dataDir, port });
    console.log(`[embedded-postgres] first run: initdb ${pg.timings.initMs} ms, startup ${pg.timings.startMs} ms`);
    expect(pg.timings.initMs).not.toBeNull();

    await pg.createDatabase('peps_test');
    await pg.createDatabase('peps_test'); // idempotent
    await waitForPostgres(pg.url('peps_test'), 10_000);

    const sql = postgres(pg.url('peps_test'), { max: 1, onnotice: () => undefined });
    try {
      await sql`create table compte (id serial primary key, nom text not null)`;
      await sql`insert into compte (nom) values (${'Mairie de Saint-Étienne'})`;
      const [enc] = await sql<{ server_encoding: string }[]>`show server_encoding`;
      expect(enc?.server_encoding).toBe('UTF8');
    } finally {
      await sql.end();
    }
    await pg.stop();
    await pg.stop(); // idempotent

    pg = await startEmbeddedPostgres({ dataDir, port });
    console.log(`[embedded-postgres] second run: startup ${pg.timings.startMs} ms`);
    expect(pg.timings.initMs).toBeNull();
    const sql2 = postgres(pg.url('peps_test'), { max: 1, onnotice: () => undefined });
    try {
      const rows = await sql2<{ nom: string }[]>`select nom from compte`;
      expect(rows.map((r) => r.nom)).toEqual(['Mairie de Saint-Étienne']);
    } finally {
      await sql2.end();
    }

    await pg.dropDatabase('peps_test');
    await pg.dropDatabase('peps_test'); // idempotent
    await pg.stop();
    pg = undefined;

    const log = await readFile(path.join(root, 'data', 'pg.log'), 'utf8');
    expect(log).toContain('database system is ready to accept connections');
  });
});
