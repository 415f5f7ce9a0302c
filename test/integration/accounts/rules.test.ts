/**
 * The business rules of account management: always one active admin, renewal as the only action on
 * an expired account, no way back from admin to user, idempotent creation, and refusals that change
 * nothing but leave one `refused` entry in the history.
 */
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { accounts } from '../../../db/schema';
import { expiryFrom, parisDay } from '../../../domain/dates';
import { useTestApp } from '../../support/harness';
import { accountRow, ADDRESS, auditOf, countAccounts, expire, idempotencyRows, rightsRows } from './helpers';

const t = useTestApp();

const accountsPath = (establishmentId: string) => `/establishments/${establishmentId}/accounts`;

describe('at least one active admin', () => {
  it('refuses to delete the last active admin (a pending or blocked admin does not count)', async () => {
    const est = await t.createEstablishment();
    const base = accountsPath(est.establishment.id);
    await t.insertActiveAccount(est.establishment.id, { profile: 'admin', status: 'pending_activation' });
    await t.insertActiveAccount(est.establishment.id, { profile: 'admin', blockedUntil: new Date(Date.now() + 600_000) });
    await t.insertActiveAccount(est.establishment.id, { profile: 'admin', expiresOn: '2020-01-01' });
    const before = await auditOf(t.db, est.establishment.id);

    const res = await t.request('DELETE', `${base}/${est.admin.id}`, { token: est.adminToken });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'last_active_admin', detail: expect.stringContaining('au moins un') });
    expect((await accountRow(t.db, est.admin.id)).status).toBe('active');
    const after = await auditOf(t.db, est.establishment.id);
    expect(after.slice(before.length)).toMatchObject([
      { action: 'account.delete', outcome: 'refused', targetAccountId: est.admin.id, detail: { code: 'last_active_admin' } },
    ]);
  });

  it('allows it when another active admin remains', async () => {
    const est = await t.createEstablishment();
    const other = await t.insertActiveAccount(est.establishment.id, { profile: 'admin' });
    const res = await t.request('DELETE', `${accountsPath(est.establishment.id)}/${est.admin.id}`, { token: est.adminToken });
    expect(res.status).toBe(204);
    expect((await accountRow(t.db, est.admin.id)).status).toBe('deleted');
    expect((await accountRow(t.db, other.id)).status).toBe('active');
    // The admin deleted themself: their session is over.
    expect((await t.request('GET', '/me', { token: est.adminToken })).status).toBe(401);
  });

  it('in a bulk delete, counts the whole selection as gone: other accounts are deleted, the admins refused', async () => {
    const est = await t.createEstablishment();
    const base = accountsPath(est.establishment.id);
    const admin2 = await t.insertActiveAccount(est.establishment.id, { profile: 'admin', lastName: 'Second' });
    const user = await t.insertActiveAccount(est.establishment.id, { lastName: 'Simple' });
    const ids = [est.admin.id, admin2.id, user.id];

    const res = await t.request('POST', `${base}/bulk-delete`, { token: est.adminToken, body: { ids } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      done: 1,
      refused: 2,
      results: [
        { id: est.admin.id, loginId: est.admin.loginId, outcome: 'refused', code: 'last_active_admin', message: expect.any(String) },
        { id: admin2.id, loginId: admin2.loginId, outcome: 'refused', code: 'last_active_admin' },
        { id: user.id, loginId: user.loginId, outcome: 'done' },
      ],
    });
    expect((await accountRow(t.db, est.admin.id)).status).toBe('active');
    expect((await accountRow(t.db, admin2.id)).status).toBe('active');
    expect((await accountRow(t.db, user.id)).status).toBe('deleted');
    const entries = (await auditOf(t.db, est.establishment.id)).filter((e) => e.action === 'account.delete');
    expect(entries.map((e) => [e.targetAccountId, e.outcome])).toEqual([
      [est.admin.id, 'refused'],
      [admin2.id, 'refused'],
      [user.id, 'success'],
    ]);

    // One of the two alone: allowed, the other stays.
    const single = await t.request('POST', `${base}/bulk-delete`, { token: est.adminToken, body: { ids: [admin2.id] } });
    expect(single.body).toMatchObject({ done: 1, refused: 0 });
  });

  it('two concurrent deletions of the last two admins: only one goes through', async () => {
    const est = await t.createEstablishment();
    const admin2 = await t.insertActiveAccount(est.establishment.id, { profile: 'admin' });
    const token2 = await t.login(admin2.loginId);
    const base = accountsPath(est.establishment.id);
    const results = await Promise.all([
      t.request('DELETE', `${base}/${admin2.id}`, { token: est.adminToken }),
      t.request('DELETE', `${base}/${est.admin.id}`, { token: token2 }),
    ]);
    // The loser is refused as last admin, or, if its author's session was already closed by the
    // winner's deletion, as unauthenticated: never both deleted.
    const [won, lost] = results.map((r) => r.status).sort();
    expect(won).toBe(204);
    expect([401, 409]).toContain(lost);
    const statuses = [(await accountRow(t.db, est.admin.id)).status, (await accountRow(t.db, admin2.id)).status].sort();
    expect(statuses).toEqual(['active', 'deleted']);
  });

  it('reports accounts not found without touching anything elsewhere', async () => {
    const est = await t.createEstablishment();
    const elsewhere = await t.createEstablishment();
    const foreign = await t.insertActiveAccount(elsewhere.establishment.id);
    const res = await t.request('POST', `${accountsPath(est.establishment.id)}/bulk-delete`, {
      token: est.adminToken,
      body: { ids: [foreign.id] },
    });
    expect(res.body).toEqual({
      done: 0,
      refused: 1,
      results: [{ id: foreign.id, outcome: 'refused', code: 'not_found', message: expect.any(String) }],
    });
    expect((await accountRow(t.db, foreign.id)).status).toBe('active');
    const [entry] = (await auditOf(t.db, est.establishment.id)).filter((e) => e.action === 'account.delete');
    expect(entry).toMatchObject({ outcome: 'refused', targetAccountId: null, detail: { accountId: foreign.id } });
  });
});

describe('expired account: only renewal goes through', () => {
  it('refuses update, deletion, unblocking and email resend; accepts renewal', async () => {
    const est = await t.createEstablishment();
    const base = accountsPath(est.establishment.id);
    const user = await t.insertActiveAccount(est.establishment.id, { lastName: 'Louty', firstName: 'Fernand', blockedUntil: new Date(Date.now() + 600_000) });
    await expire(t.db, user.id, '2020-03-06');

    const listed = await t.request('GET', `${base}?status=expired`, { token: est.adminToken });
    expect(listed.body.items).toMatchObject([{ id: user.id, status: 'expired', statusLabel: 'Expiré' }]);

    const attempts = [
      t.request('PATCH', `${base}/${user.id}`, { token: est.adminToken, body: { serviceFunction: 'DMN' } }),
      t.request('DELETE', `${base}/${user.id}`, { token: est.adminToken }),
      t.request('POST', `${base}/${user.id}/unblock`, { token: est.adminToken }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('account_expired');
      expect(res.body.detail).toBe(
        "Le compte de M. Fernand Louty a expiré le 06/03/2020 : la seule action possible est son renouvellement. Renouvelez-le d'abord.".replace('M.', 'Mme'),
      );
    }
    await t.db.update(accounts).set({ status: 'pending_activation' }).where(eq(accounts.id, user.id));
    const resend = await t.request('POST', `${base}/${user.id}/resend-activation`, { token: est.adminToken });
    expect(resend.status).toBe(409);
    expect(resend.body.code).toBe('account_expired');
    await t.db.update(accounts).set({ status: 'active' }).where(eq(accounts.id, user.id));

    const row = await accountRow(t.db, user.id);
    expect(row).toMatchObject({ status: 'active', serviceFunction: null, expiresOn: '2020-03-06' });

    const bulk = await t.request('POST', `${base}/bulk-delete`, { token: est.adminToken, body: { ids: [user.id] } });
    expect(bulk.body.results[0]).toMatchObject({ outcome: 'refused', code: 'account_expired' });

    const renewed = await t.request('POST', `${base}/${user.id}/renew`, { token: est.adminToken });
    expect(renewed.status).toBe(200);
    expect(renewed.body).toMatchObject({ expiresOn: expiryFrom(parisDay(new Date())), status: 'blocked' });
    expect((await t.request('POST', `${base}/${user.id}/unblock`, { token: est.adminToken })).status).toBe(200);
  });

  it('renews a selection containing expired accounts', async () => {
    const est = await t.createEstablishment();
    const a = await t.insertActiveAccount(est.establishment.id);
    const b = await t.insertActiveAccount(est.establishment.id);
    await expire(t.db, a.id);
    const res = await t.request('POST', `${accountsPath(est.establishment.id)}/bulk-renew`, { token: est.adminToken, body: { ids: [a.id, b.id, a.id] } });
    expect(res.body).toMatchObject({ done: 2, refused: 0 });
    expect((await accountRow(t.db, a.id)).expiresOn).toBe(expiryFrom(parisDay(new Date())));
  });
});

describe('profile', () => {
  it("refuses to turn an admin back into a user, with the guide's explanation", async () => {
    const est = await t.createEstablishment();
    const admin2 = await t.insertActiveAccount(est.establishment.id, { profile: 'admin' });
    const res = await t.request('PATCH', `${accountsPath(est.establishment.id)}/${admin2.id}`, {
      token: est.adminToken,
      body: { profile: 'user', serviceFunction: 'Paie' },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'admin_demotion_refused' });
    expect(res.body.detail).toContain('supprimez le compte puis recréez-le avec le profil Utilisateur');
    expect(await accountRow(t.db, admin2.id)).toMatchObject({ profile: 'admin', serviceFunction: null });
    const last = (await auditOf(t.db, est.establishment.id)).at(-1);
    expect(last).toMatchObject({ action: 'account.update', outcome: 'refused', targetAccountId: admin2.id, detail: { code: 'admin_demotion_refused' } });
  });

  it("requires an admin's professional address and refuses to clear it", async () => {
    const est = await t.createEstablishment();
    const res = await t.createAccount(est.establishment.id, est.adminToken, { profile: 'admin' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'professionalAddress', message: "L'adresse professionnelle est obligatoire pour un administrateur." }]);
    const cleared = await t.request('PATCH', `${accountsPath(est.establishment.id)}/${est.admin.id}`, {
      token: est.adminToken,
      body: { professionalAddress: null },
    });
    expect(cleared.status).toBe(400);
    expect((await accountRow(t.db, est.admin.id)).professionalAddress).not.toBeNull();
  });
});

describe('creation: validation and idempotency', () => {
  it('refuses field by field, creates nothing, leaves a single `refused` history entry', async () => {
    const est = await t.createEstablishment();
    const before = await auditOf(t.db, est.establishment.id);
    const res = await t.createAccount(est.establishment.id, est.adminToken, {
      email: 'a@employeur.test',
      emailConfirmation: 'b@employeur.test',
      phone: '12',
      lastName: '  ',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['lastName', 'phone']);
    const mismatch = await t.createAccount(est.establishment.id, est.adminToken, { email: 'a@employeur.test', emailConfirmation: 'b@employeur.test' });
    expect(mismatch.body.errors).toEqual([{ field: 'emailConfirmation', message: 'La confirmation ne correspond pas au courriel saisi.' }]);
    const unknown = await t.createAccount(est.establishment.id, est.adminToken, { rights: { 'affiliation-cnracl': 'read', inconnu: 'write', autre: 'none' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([
      { field: 'rights.inconnu', message: 'Service inconnu : « inconnu ».' },
      { field: 'rights.autre', message: 'Service inconnu : « autre ».' },
    ]);
    const badLevel = await t.createAccount(est.establishment.id, est.adminToken, { rights: { 'affiliation-cnracl': 'admin' } });
    expect(badLevel.body.errors[0].field).toBe('rights.affiliation-cnracl');

    expect(await countAccounts(t.db, est.establishment.id)).toBe(1);
    const added = (await auditOf(t.db, est.establishment.id)).slice(before.length);
    expect(added).toHaveLength(4);
    expect(added.every((e) => e.action === 'account.create' && e.outcome === 'refused' && e.actorAccountId === est.admin.id)).toBe(true);
  });

  it('replays the first response for the same key and body, refuses another body (422)', async () => {
    const est = await t.createEstablishment();
    const base = accountsPath(est.establishment.id);
    const body = { profile: 'user', civility: 'monsieur', lastName: 'Louty', firstName: 'Jean', email: 'jean@employeur.test', emailConfirmation: 'jean@employeur.test' };
    const headers = { 'Idempotency-Key': 'creation-jean-1' };
    const first = await t.request('POST', base, { token: est.adminToken, body, headers });
    expect(first.status).toBe(201);
    const again = await t.request('POST', base, { token: est.adminToken, body: { ...body, lastName: ' Louty ' }, headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await countAccounts(t.db, est.establishment.id)).toBe(2);
    expect(await idempotencyRows(t.db, est.admin.id, 'creation-jean-1')).toHaveLength(1);

    const other = await t.request('POST', base, { token: est.adminToken, body: { ...body, firstName: 'Jeanne' }, headers });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
    expect(await countAccounts(t.db, est.establishment.id)).toBe(2);
    expect((await auditOf(t.db, est.establishment.id)).filter((e) => e.action === 'account.create').map((e) => e.outcome)).toEqual(['success', 'refused']);

    // The key belongs to its actor: another admin's same key is another request.
    const admin2 = await t.insertActiveAccount(est.establishment.id, { profile: 'admin' });
    const token2 = await t.login(admin2.loginId);
    const theirs = await t.request('POST', base, { token: token2, body, headers });
    expect(theirs.status).toBe(201);
    expect(theirs.body.loginId).not.toBe(first.body.loginId);
  });

  it('two concurrent requests with the same key create a single account', async () => {
    const est = await t.createEstablishment();
    const body = { profile: 'user', civility: 'madame', lastName: 'Double', firstName: 'Clic', email: 'clic@employeur.test', emailConfirmation: 'clic@employeur.test' };
    const headers = { 'Idempotency-Key': 'double-clic' };
    const [a, b] = await Promise.all([
      t.request('POST', accountsPath(est.establishment.id), { token: est.adminToken, body, headers }),
      t.request('POST', accountsPath(est.establishment.id), { token: est.adminToken, body, headers }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.loginId).toBe(b.body.loginId);
    expect(await countAccounts(t.db, est.establishment.id)).toBe(2);
  });
});

describe('blocking', () => {
  it('unblocks a blocked account; refuses to unblock one that is not', async () => {
    const est = await t.createEstablishment();
    const base = accountsPath(est.establishment.id);
    const user = await t.insertActiveAccount(est.establishment.id, { blockedUntil: new Date(Date.now() + 600_000), failedLoginCount: 2 });
    const listed = await t.request('GET', `${base}?status=blocked`, { token: est.adminToken });
    expect(listed.body.items).toMatchObject([{ id: user.id, statusLabel: 'Bloqué' }]);
    const res = await t.request('POST', `${base}/${user.id}/unblock`, { token: est.adminToken });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('active');
    expect(await accountRow(t.db, user.id)).toMatchObject({ blockedUntil: null, failedLoginCount: 0 });
    const again = await t.request('POST', `${base}/${user.id}/unblock`, { token: est.adminToken });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('account_not_blocked');
    const entries = (await auditOf(t.db, est.establishment.id)).filter((e) => e.action === 'account.unblock');
    expect(entries.map((e) => e.outcome)).toEqual(['success', 'refused']);
  });
});

describe('update without change', () => {
  it('leaves no trace when nothing changes', async () => {
    const est = await t.createEstablishment();
    const user = await t.insertActiveAccount(est.establishment.id, { serviceFunction: 'RH' });
    const rights = await rightsRows(t.db, user.id);
    const before = await auditOf(t.db, est.establishment.id);
    const res = await t.request('PATCH', `${accountsPath(est.establishment.id)}/${user.id}`, { token: est.adminToken, body: { serviceFunction: 'RH' } });
    expect(res.status).toBe(200);
    expect(await auditOf(t.db, est.establishment.id)).toHaveLength(before.length);
    expect(await rightsRows(t.db, user.id)).toEqual(rights);
  });

  it('accepts the already stored address to promote to admin', async () => {
    const est = await t.createEstablishment();
    const user = await t.insertActiveAccount(est.establishment.id, { professionalAddress: ADDRESS });
    const res = await t.request('PATCH', `${accountsPath(est.establishment.id)}/${user.id}`, { token: est.adminToken, body: { profile: 'admin' } });
    expect(res.status).toBe(200);
    expect(res.body.professionalAddress).toEqual(ADDRESS);
  });
});
