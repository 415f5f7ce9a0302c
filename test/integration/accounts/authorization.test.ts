/**
 * Who may call what. Anonymous: 401. A user: 403 on admin operations, but « Mes intervenants » and
 * the catalogue. An admin of another establishment: 404 on everything, account ids included, even
 * under their own establishment's path. Operator and account tokens do not open each other's doors.
 * A refusal changes nothing and leaves one `refused` entry.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../support/harness';
import { accountRow, auditOf, countAccounts, delegate } from './helpers';

const t = useTestApp();

type Call = [method: string, path: string, body?: unknown];

function adminCalls(establishmentId: string, accountId: string): Call[] {
  const base = `/establishments/${establishmentId}/accounts`;
  const creation = {
    profile: 'user',
    civility: 'madame',
    lastName: 'Intruse',
    firstName: 'Iris',
    email: 'iris@employeur.test',
    emailConfirmation: 'iris@employeur.test',
  };
  return [
    ['GET', base],
    ['GET', `${base}/export.csv`],
    ['POST', base, creation],
    ['GET', `${base}/${accountId}`],
    ['PATCH', `${base}/${accountId}`, { serviceFunction: 'Piraterie' }],
    ['DELETE', `${base}/${accountId}`],
    ['POST', `${base}/${accountId}/renew`],
    ['POST', `${base}/${accountId}/unblock`],
    ['POST', `${base}/bulk-delete`, { ids: [accountId] }],
    ['POST', `${base}/bulk-renew`, { ids: [accountId] }],
    ['GET', `/establishments/${establishmentId}/history`],
  ];
}

describe('authorization matrix', () => {
  let a: Awaited<ReturnType<typeof t.createEstablishment>>;
  let b: Awaited<ReturnType<typeof t.createEstablishment>>;
  let userA: { id: string; loginId: string };
  let userToken: string;
  let target: { id: string; loginId: string };

  beforeAll(async () => {
    a = await t.createEstablishment();
    b = await t.createEstablishment();
    userA = await t.insertActiveAccount(a.establishment.id, { lastName: 'Utilisatrice' });
    userToken = await t.login(userA.loginId);
    target = await t.insertActiveAccount(a.establishment.id, { lastName: 'Cible', expiresOn: '2099-01-01' });
  });

  async function expectUntouched() {
    expect(await accountRow(t.db, target.id)).toMatchObject({ status: 'active', serviceFunction: null, expiresOn: '2099-01-01' });
    expect(await countAccounts(t.db, a.establishment.id)).toBe(3);
  }

  it('anonymous: 401 everywhere, even with an invalid body', async () => {
    for (const [method, path, body] of [...adminCalls(a.establishment.id, target.id), ['GET', `/establishments/${a.establishment.id}/admins`] as Call]) {
      const res = await t.request(method, path, { body });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.code).toBe('unauthenticated');
    }
    const invalid = await t.request('POST', `/establishments/${a.establishment.id}/accounts`, { body: { nope: true } });
    expect(invalid.status).toBe(401);
    for (const path of ['/me', '/services', '/operator/establishments']) {
      expect((await t.request('GET', path)).status, path).toBe(401);
    }
    expect((await t.request('POST', '/auth/logout')).status).toBe(401);
    expect((await t.request('GET', '/me', { token: 'jeton-inconnu' })).status).toBe(401);
    await expectUntouched();
  });

  it('user: 403 on account management (even with an invalid body), access to « Mes intervenants » and the catalogue', async () => {
    for (const [method, path, body] of adminCalls(a.establishment.id, target.id)) {
      const res = await t.request(method, path, { token: userToken, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.code).toBe('forbidden');
    }
    const invalid = await t.request('POST', `/establishments/${a.establishment.id}/accounts`, { token: userToken, body: { nope: true } });
    expect(invalid.status).toBe(403);
    const admins = await t.request('GET', `/establishments/${a.establishment.id}/admins`, { token: userToken });
    expect(admins.status).toBe(200);
    expect(admins.body.items).toEqual([
      expect.objectContaining({ id: a.admin.id, firstName: 'Alice', lastName: 'Admin', civilityLabel: 'Mme', email: expect.any(String) }),
    ]);
    expect((await t.request('GET', '/services', { token: userToken })).status).toBe(200);
    expect((await t.request('GET', '/me', { token: userToken })).status).toBe(200);
    await expectUntouched();
  });

  it('admin of another establishment: 404 on everything, « Mes intervenants » included', async () => {
    for (const [method, path, body] of [...adminCalls(a.establishment.id, target.id), ['GET', `/establishments/${a.establishment.id}/admins`] as Call]) {
      const res = await t.request(method, path, { token: b.adminToken, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
    await expectUntouched();
  });

  it("admin of another establishment, through their own path: A's accounts are not found", async () => {
    const calls = adminCalls(b.establishment.id, target.id).filter(([, path]) => path.includes(target.id) && !path.includes('bulk'));
    expect(calls).toHaveLength(5);
    for (const [method, path, body] of calls) {
      const res = await t.request(method, path, { token: b.adminToken, body });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const bulk = await t.request('POST', `/establishments/${b.establishment.id}/accounts/bulk-renew`, { token: b.adminToken, body: { ids: [target.id] } });
    expect(bulk.body).toMatchObject({ done: 0, refused: 1, results: [{ id: target.id, code: 'not_found' }] });
    expect(bulk.body.results[0].loginId).toBeUndefined();
    const csv = await t.request('GET', `/establishments/${b.establishment.id}/accounts/export.csv?ids=${target.id}`, { token: b.adminToken });
    expect(csv.text.split('\r\n')).toHaveLength(2); // header and the final line end only
    const history = await t.request('GET', `/establishments/${b.establishment.id}/history?accountId=${target.id}`, { token: b.adminToken });
    expect(history.body.total).toBe(0);
    await expectUntouched();
  });

  it('malformed ids: 404 for the establishment, 400 for the account', async () => {
    expect((await t.request('GET', '/establishments/pas-un-uuid/accounts', { token: a.adminToken })).status).toBe(404);
    expect((await t.request('GET', `/establishments/${randomUUID()}/accounts`, { token: a.adminToken })).status).toBe(404);
    const res = await t.request('GET', `/establishments/${a.establishment.id}/accounts/pas-un-uuid`, { token: a.adminToken });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('accountId');
  });

  it('the operator token does not open account routes, an account token does not open operator routes', async () => {
    const operator = t.config.operatorToken;
    for (const [method, path, body] of adminCalls(a.establishment.id, target.id)) {
      const res = await t.request(method, path, { token: operator, body });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    expect((await t.request('GET', '/me', { token: operator })).status).toBe(401);
    expect((await t.request('GET', '/operator/establishments', { token: a.adminToken })).status).toBe(401);
    expect((await t.request('POST', '/operator/establishments', { token: a.adminToken, body: {} })).status).toBe(401);
    await expectUntouched();
  });

  it('every refused change leaves exactly one `refused` entry', async () => {
    const before = await auditOf(t.db, a.establishment.id);
    const res = await t.request('DELETE', `/establishments/${a.establishment.id}/accounts/${target.id}`, { token: userToken });
    expect(res.status).toBe(403);
    const added = (await auditOf(t.db, a.establishment.id)).slice(before.length);
    expect(added).toMatchObject([
      { action: 'account.delete', outcome: 'refused', actorAccountId: userA.id, establishmentId: a.establishment.id, detail: { code: 'forbidden' } },
    ]);
    await expectUntouched();
  });
});

describe('delegation', () => {
  it('the admin of a central establishment manages the accounts of a delegating one, on its behalf', async () => {
    const central = await t.createEstablishment();
    const delegating = await t.createEstablishment();
    const base = `/establishments/${delegating.establishment.id}/accounts`;
    expect((await t.request('GET', base, { token: central.adminToken })).status).toBe(404);

    await delegate(t.db, central.establishment.id, delegating.establishment.id);
    const list = await t.request('GET', base, { token: central.adminToken });
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([delegating.admin.id]);

    const created = await t.createAccount(delegating.establishment.id, central.adminToken);
    expect(created.status).toBe(201);
    expect(await accountRow(t.db, created.body.id)).toMatchObject({ establishmentId: delegating.establishment.id, createdByAccountId: central.admin.id });

    const history = await t.request('GET', `/establishments/${delegating.establishment.id}/history?accountId=${created.body.id}`, { token: delegating.adminToken });
    expect(history.body.items[0]).toMatchObject({
      action: 'account.create',
      actor: { accountId: central.admin.id, establishmentId: central.establishment.id, onBehalf: true },
    });
    // The delegating establishment's accounts are not the central's: its own list is unchanged.
    const own = await t.request('GET', `/establishments/${central.establishment.id}/accounts`, { token: central.adminToken });
    expect(own.body.total).toBe(1);
  });
});
