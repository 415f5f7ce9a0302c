import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, freePort } from '../../dev/ports';
import { createDatabaseOfUrl, startEmbeddedPostgres, withDatabase } from '../../dev/postgres';

describe('embedded PostgreSQL', { timeout: 120_000 }, () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'embedded-pg-'));
    await chmod(root, 0o755); // as root, PostgreSQL runs as the postgres user, who must traverse it
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('initialises a UTF-8 cluster once and finds its data after a restart', async () => {
    const opts = { dataDir: path.join(root, 'data', 'pg'), port: await freePort() }; // restarted on it (dev/ports.ts freePorts)
    let pg = await startEmbeddedPostgres(opts);
    try {
      await pg.createDatabase('peps_test');
      await pg.createDatabase('peps_test'); // idempotent
      const sql = postgres(pg.url('peps_test'), { max: 1, onnotice: () => undefined });
      await sql`create table compte (nom text)`;
      await sql`insert into compte values (${'Mairie de Saint-Étienne'})`;
      expect(await sql`show server_encoding`).toEqual([{ server_encoding: 'UTF8' }]);
      await sql.end();

      // DATABASE_URL naming a database the server does not have yet (npm start, npm run cluster).
      const named = withDatabase(pg.url('peps_test'), 'peps_autre');
      await createDatabaseOfUrl(named);
      await createDatabaseOfUrl(named); // idempotent
      const other = postgres(named, { max: 1 });
      expect(await other`select current_database() as name`).toEqual([{ name: 'peps_autre' }]);
      await other.end();
      await pg.stop();
      await pg.stop(); // idempotent

      pg = await startEmbeddedPostgres(opts);
      const again = postgres(pg.url('peps_test'), { max: 1 });
      expect(await again`select nom from compte`).toEqual([{ nom: 'Mairie de Saint-Étienne' }]);
      await again.end();
    } finally {
      await pg.stop();
    }
  });

  it.runIf(process.getuid?.() === 0)('as root, refuses a folder the postgres user cannot reach, in one sentence, leaving nothing', async () => {
    const home = path.join(root, 'home');
    await mkdir(home, { mode: 0o700 });
    const passwordFiles = async () => (await readdir(tmpdir())).filter((f) => f.startsWith('pg-password-'));
    const before = await passwordFiles();
    await expect(startEmbeddedPostgres({ dataDir: path.join(home, 'repo', '.data', 'postgres'), port: await findFreePort() })).rejects.toThrow(
      new RegExp(`^En tant que root, PostgreSQL tourne sous l'utilisateur « postgres », qui ne peut pas atteindre ${home} \\(mode 700\\) : .*DATABASE_URL\\.$`),
    );
    expect(await readdir(home)).toEqual([]);
    expect(await passwordFiles()).toEqual(before);
  });
});
