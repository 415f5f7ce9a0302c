/**
 * What both outage tests start from: the API over a database and a Temporal server of the test's
 * own (one of them to be stopped), an establishment and its admin logged in.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { systemClock } from '../../api/deps';
import type { Config } from '../../config/env';
import type { Database } from '../../db/client';
import { hashPassword } from '../../security/passwords';
import { migrateDatabase } from '../../db/migrate';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../dev/postgres';
import { freePort } from '../../dev/ports';
import { insertAccount, insertEstablishment } from './fixtures';
import { moveLoginIdsAway } from './isolated-database';

/**
 * A PostgreSQL of the test's own, migrated, to stop and start for real without disturbing the other
 * files; its login ids start away from the shared database's (they share the Temporal server).
 */
export async function ownPostgres(prefix: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), `${prefix}-`));
  await chmod(dir, 0o755); // as root, PostgreSQL runs as `postgres`, who must reach its data folder
  const port = await freePort(); // restarted on the same port (dev/ports.ts freePorts)
  const launch = () => startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port });
  let pg: EmbeddedPostgres = await launch();
  const url = pg.url('postgres');
  await migrateDatabase(url);
  await moveLoginIdsAway(url);
  return {
    url,
    stop: () => pg.stop(),
    start: async () => {
      pg = await launch();
    },
    /** Stops it (again: harmless) and removes its files. */
    remove: async () => {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const PASSWORD = 'Motdepasse-2026';

export async function outageApp(db: Database, config: Config) {
  const connection = await Connection.connect({ address: config.temporal.address });
  const app = createApp({ db, temporal: new Client({ connection }), config, clock: systemClock });
  const est = await insertEstablishment(db);
  const admin = await insertAccount(db, est.id, { profile: 'admin', passwordHash: await hashPassword(PASSWORD) });
  const login = await app.request('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ loginId: admin.loginId, password: PASSWORD }),
  });
  const { token } = (await login.json()) as { token: string };
  const auth = { authorization: `Bearer ${token}` };
  /** POST of a new user account named `email`. */
  const createAccount = (email: string) =>
    app.request(`/establishments/${est.id}/accounts`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ profile: 'user', civility: 'madame', lastName: 'Louty', firstName: 'Jeanne', email, emailConfirmation: email }),
    });
  return { app, est, auth, createAccount, close: () => connection.close() };
}
