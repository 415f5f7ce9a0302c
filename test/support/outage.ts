/**
 * What both outage tests start from: the API over a database and a Temporal server of the test's
 * own (one of them to be stopped), an establishment and its admin logged in.
 */
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { systemClock } from '../../api/deps';
import type { Config } from '../../config/env';
import type { Database } from '../../db/client';
import { hashPassword } from '../../security/passwords';
import { insertAccount, insertEstablishment } from './fixtures';

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
