/**
 * The account-management cycle as an admin lives it: create, list, search, group, paginate, read,
 * modify, promote, renew, delete, export, history — against the real database and Temporal. Every
 * test that changes something has its own establishment; the list's tests share one, read only.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { accounts, establishments, oneTimeTokens } from '../../../db/schema';
import { expiryFrom, parisDay, termsAcceptableFrom } from '../../../domain/dates';
import { workflowIds } from '../../../workflows/definitions';
import { useTestApp } from '../../support/harness';
import { accountRow, ADDRESS, auditOf, liveSessions, registrationsOf, rightsRows } from './helpers';

const t = useTestApp({ worker: true });


const CELINE = {
  lastName: 'Martin',
  firstName: 'Céline',
  civility: 'madame',
  phone: '05 56 11 41 23',
  serviceFunction: 'Ressources Humaines',
  rights: { 'avis-prealable-cnracl': 'write', 'affiliation-cnracl': 'none' },
};
const CELINE2 = { lastName: 'Dupont', firstName: 'Celine', serviceFunction: 'ressources humaines' };
const SONIA = { lastName: 'Bernard', firstName: 'Sonia', serviceFunction: 'Finances' };
const DELPHINE = { lastName: 'Albert', firstName: 'Delphine', profile: 'admin', professionalAddress: ADDRESS };

type TestEstablishment = Awaited<ReturnType<typeof t.createEstablishment>> & { base: string };

/** A new establishment (its admin, default rights): no test sees another test's accounts. */
async function newEstablishment(): Promise<TestEstablishment> {
  const est = await t.createEstablishment();
  await t.db
    .update(establishments)
    // 'service-retire': a default for a service the catalogue no longer has, which a creation ignores.
    .set({ defaultRights: { 'affiliation-cnracl': 'write', 'estimation-pension-cnracl': 'read', 'service-retire': 'write' } })
    .where(eq(establishments.id, est.establishment.id));
  return { ...est, base: `/establishments/${est.establishment.id}/accounts` };
}

/** Creates accounts through the API, by key. */
async function createAll(est: TestEstablishment, specs: Record<string, Record<string, unknown>>) {
  const created: Record<string, { id: string; loginId: string }> = {};
  for (const [key, fields] of Object.entries(specs)) {
    const res = await t.createAccount(est.establishment.id, est.adminToken, fields);
    expect(res.status, res.text).toBe(201);
    created[key] = res.body;
  }
  return created;
}

describe('creating accounts', () => {
  it('creates a user account: login id, pending activation, expiry in 18 months, default rights, history, email', async () => {
    const est = await newEstablishment();
    const res = await t.createAccount(est.establishment.id, est.adminToken, CELINE);
    expect(res.status).toBe(201);
    expect(res.body.loginId).toMatch(/^CMA\d{6}$/);
    expect(res.body).toMatchObject({
      status: 'pending_activation',
      statusLabel: "En attente d'activation",
      expiresOn: expiryFrom(parisDay(new Date())),
      holder: 'Mme Céline Martin',
    });

    const row = await accountRow(t.db, res.body.id);
    expect(row).toMatchObject({
      establishmentId: est.establishment.id,
      loginId: res.body.loginId,
      profile: 'user',
      status: 'pending_activation',
      phone: '0556114123',
      createdByAccountId: est.admin.id,
      passwordHash: null,
      adminSince: null,
      searchText: 'martin celine ressources humaines',
    });
    const rights = await rightsRows(t.db, res.body.id);
    expect(Object.keys(rights)).toHaveLength(16);
    expect(rights).toMatchObject({
      'avis-prealable-cnracl': 'write', // asked
      'affiliation-cnracl': 'none', // asked, over the default
      'estimation-pension-cnracl': 'read', // establishment default
      'cotisations-individuelles': 'none', // neither
    });
    expect(await registrationsOf(t.db, res.body.id)).toHaveLength(0);

    const entry = (await auditOf(t.db, est.establishment.id)).find((e) => e.action === 'account.create' && e.targetAccountId === res.body.id);
    expect(entry).toMatchObject({ outcome: 'success', actorType: 'account', actorAccountId: est.admin.id, before: null });
    expect(entry!.after).toMatchObject({ loginId: res.body.loginId, lastName: 'Martin' });
    expect((entry!.after as { rights: unknown }).rights).toEqual(rights);
    expect(JSON.stringify(entry!.after)).not.toMatch(/password/i);

    const description = await t.temporal.workflow.getHandle(workflowIds.activation(res.body.loginId)).describe();
    expect(description.status.name).toBe('RUNNING');
    const mail = await t.mail.waitFor((m) => m.subject === 'Vous pouvez créer votre mot de passe', { to: row.email, timeoutMs: 20_000 });
    expect(mail.text).toContain('token=');
  });

  it('creates an admin account: professional address, registration for the letter to the legal representative', async () => {
    const est = await newEstablishment();
    const { delphine } = await createAll(est, { delphine: DELPHINE });
    const row = await accountRow(t.db, delphine!.id);
    expect(row.profile).toBe('admin');
    expect(row.adminSince).toBeInstanceOf(Date);
    expect(row.termsAcceptableFrom).toBe(termsAcceptableFrom(row.adminSince!));
    expect(row.professionalAddress).toEqual(ADDRESS);
    expect(await registrationsOf(t.db, row.id)).toMatchObject([{ reason: 'created', status: 'pending', establishmentId: est.establishment.id }]);
  });
});

describe('the list, read only: one establishment of five accounts', () => {
  let est: TestEstablishment;
  let base: string;
  let created: Record<string, { id: string; loginId: string }>;

  beforeAll(async () => {
    est = await newEstablishment();
    base = est.base;
    created = await createAll(est, { celine: CELINE, celine2: CELINE2, sonia: SONIA, delphine: DELPHINE });
  });

  it('lists accounts sorted by name, with French labels', async () => {
    const res = await t.request('GET', base, { token: est.adminToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ page: 1, pageSize: 25, total: 5, pageCount: 1 });
    expect(res.body.items.map((a: { lastName: string }) => a.lastName)).toEqual(['Admin', 'Albert', 'Bernard', 'Dupont', 'Martin']);
    const celine = res.body.items.find((a: { id: string }) => a.id === created.celine!.id);
    expect(celine).toMatchObject({
      loginId: created.celine!.loginId,
      profileLabel: 'Utilisateur',
      statusLabel: "En attente d'activation",
      civilityLabel: 'Mme',
      activationLinkExpired: false,
    });
    const admin = res.body.items.find((a: { id: string }) => a.id === est.admin.id);
    expect(admin).toMatchObject({ status: 'active', statusLabel: 'Actif', activationLinkExpired: null });
  });

  it('searches last name, first name and service, ignoring accents and case', async () => {
    const search = async (q: string) => {
      const res = await t.request('GET', `${base}?q=${encodeURIComponent(q)}`, { token: est.adminToken });
      expect(res.status).toBe(200);
      return res.body.items.map((a: { lastName: string }) => a.lastName);
    };
    expect(await search('celine')).toEqual(['Dupont', 'Martin']);
    expect(await search('CÉLINE')).toEqual(['Dupont', 'Martin']);
    expect(await search('Ressources humaines')).toEqual(['Dupont', 'Martin']);
    expect(await search('céline martin')).toEqual(['Martin']);
    expect(await search('finan')).toEqual(['Bernard']);
    expect(await search('%')).toEqual([]);
    expect(await search('_')).toEqual([]);
  });

  it('filters by status and by profile', async () => {
    const active = await t.request('GET', `${base}?status=active`, { token: est.adminToken });
    expect(active.body.items.map((a: { id: string }) => a.id)).toEqual([est.admin.id]);
    const admins = await t.request('GET', `${base}?profile=admin`, { token: est.adminToken });
    expect(admins.body.items.map((a: { lastName: string }) => a.lastName)).toEqual(['Admin', 'Albert']);
    const bad = await t.request('GET', `${base}?status=deleted`, { token: est.adminToken });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('status');
  });

  it('groups by profile, by status and by expiry month', async () => {
    const byProfile = await t.request('GET', `${base}?groupBy=profile`, { token: est.adminToken });
    expect(byProfile.body.groups).toEqual([
      { key: 'admin', label: 'Administrateur', count: 2 },
      { key: 'user', label: 'Utilisateur', count: 3 },
    ]);
    expect(byProfile.body.items.map((a: { group: { key: string } }) => a.group.key)).toEqual(['admin', 'admin', 'user', 'user', 'user']);

    const byStatus = await t.request('GET', `${base}?groupBy=status`, { token: est.adminToken });
    expect(byStatus.status, byStatus.text).toBe(200);
    expect(byStatus.body.groups).toEqual([
      { key: 'pending_activation', label: "En attente d'activation", count: 4 },
      { key: 'active', label: 'Actif', count: 1 },
    ]);

    const byMonth = await t.request('GET', `${base}?groupBy=expiryMonth`, { token: est.adminToken });
    const month = expiryFrom(parisDay(new Date())).slice(0, 7);
    expect(byMonth.body.groups).toHaveLength(1);
    expect(byMonth.body.groups[0]).toMatchObject({ key: month, count: 5 });
    expect(byMonth.body.groups[0].label).toMatch(/^[a-zéû]+ \d{4}$/);
  });

  it('reads an account with its rights grouped by theme', async () => {
    const res = await t.request('GET', `${base}/${created.celine!.id}`, { token: est.adminToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: created.celine!.id, phone: '0556114123', createdBy: { id: est.admin.id, loginId: est.admin.loginId } });
    expect(res.body.rightsByTheme.map((th: { label: string }) => th.label)).toEqual(['Carrière', 'Droits à pension', 'Cotisations']);
    const pension = res.body.rightsByTheme[1].services;
    expect(pension[0]).toEqual({ code: 'avis-prealable-cnracl', label: "Demande d'avis préalable CNRACL", level: 'write', levelLabel: 'Modification' });
    expect(res.body.rights['estimation-pension-cnracl']).toBe('read');
  });

  it('exports the list as CSV for Excel (BOM, « ; », CRLF, DD/MM/YYYY dates, French headers)', async () => {
    const res = await t.request('GET', `${base}/export.csv`, { token: est.adminToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="comptes-\d{14}-\d{4}-\d{2}-\d{2}\.csv"$/);
    const raw = Buffer.from(await (await t.app.request(`${base}/export.csv`, { headers: { authorization: `Bearer ${est.adminToken}` } })).arrayBuffer());
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = res.text.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('Civilité;Nom;Prénom;Identifiant;Courriel;Téléphone;Service;Profil;Statut;Expiration du compte;Dernière connexion');
    expect(lines.at(-1)).toBe('');
    const rows = lines.slice(1, -1);
    const listed = await t.request('GET', base, { token: est.adminToken });
    expect(rows).toHaveLength(listed.body.total);
    const martin = rows.find((l) => l.includes(created.celine!.loginId))!;
    const [y, m, d] = expiryFrom(parisDay(new Date())).split('-');
    expect(martin.split(';')).toEqual(['Madame', 'Martin', 'Céline', created.celine!.loginId, expect.stringContaining('@'), '05 56 11 41 23', 'Ressources Humaines', 'Utilisateur', "En attente d'activation", `${d}/${m}/${y}`, '']);
    const admin = rows.find((l) => l.includes(est.admin.loginId))!;
    expect(admin.split(';').at(-1)).toMatch(/^\d{2}\/\d{2}\/\d{4}$/);
  });
});

describe('changing accounts: each test its own establishment', () => {
  it('flags an expired activation link', async () => {
    const est = await newEstablishment();
    const { sonia } = await createAll(est, { sonia: SONIA });
    // The worker records the link's expiry as it sends it: once sent, nothing writes it again.
    const sent = async () => (await auditOf(t.db, est.establishment.id)).some((e) => e.action === 'email.password_creation_sent');
    await expect.poll(sent, { timeout: 20_000 }).toBe(true);
    await t.db.update(accounts).set({ activationLinkExpiresAt: new Date(Date.now() - 1000) }).where(eq(accounts.id, sonia!.id));
    const res = await t.request('GET', `${est.base}?q=sonia`, { token: est.adminToken });
    expect(res.body.items[0]).toMatchObject({ id: sonia!.id, activationLinkExpired: true });
  });

  it('updates contact details and rights, and records before/after in the history', async () => {
    const est = await newEstablishment();
    const { celine } = await createAll(est, { celine: CELINE });
    const res = await t.request('PATCH', `${est.base}/${celine!.id}`, {
      token: est.adminToken,
      body: { serviceFunction: 'Paie', phone: null, rights: { 'cotisations-individuelles': 'read' } },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ serviceFunction: 'Paie', phone: null, rights: { 'cotisations-individuelles': 'read' } });
    const row = await accountRow(t.db, celine!.id);
    expect(row).toMatchObject({ serviceFunction: 'Paie', phone: null, searchText: 'martin celine paie' });
    expect((await rightsRows(t.db, row.id))['cotisations-individuelles']).toBe('read');
    const entry = (await auditOf(t.db, est.establishment.id)).find((e) => e.action === 'account.update' && e.targetAccountId === celine!.id)!;
    expect(entry.before).toMatchObject({ serviceFunction: 'Ressources Humaines', phone: '0556114123', rights: { 'cotisations-individuelles': 'none' } });
    expect(entry.after).toMatchObject({ serviceFunction: 'Paie', phone: null, rights: { 'cotisations-individuelles': 'read' } });
  });

  it('requires confirmation of the new email', async () => {
    const est = await newEstablishment();
    const user = await t.insertActiveAccount(est.establishment.id);
    const res = await t.request('PATCH', `${est.base}/${user.id}`, { token: est.adminToken, body: { email: 'autre@employeur.test' } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'emailConfirmation', message: 'La confirmation ne correspond pas au courriel saisi.' }]);
  });

  it('promotes a user to admin: address required, `promoted` registration, sessions closed', async () => {
    const est = await newEstablishment();
    const user = await t.insertActiveAccount(est.establishment.id, { lastName: 'Promu', firstName: 'Paul' });
    const userToken = await t.login(user.loginId);
    const missing = await t.request('PATCH', `${est.base}/${user.id}`, { token: est.adminToken, body: { profile: 'admin' } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].field).toBe('professionalAddress');
    expect((await accountRow(t.db, user.id)).profile).toBe('user');

    const res = await t.request('PATCH', `${est.base}/${user.id}`, {
      token: est.adminToken,
      body: { profile: 'admin', professionalAddress: ADDRESS },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ profile: 'admin', profileLabel: 'Administrateur', adminSince: expect.any(String) });
    expect(res.body.termsAcceptableFrom).toBe(termsAcceptableFrom(new Date(res.body.adminSince)));
    expect(await registrationsOf(t.db, user.id)).toMatchObject([{ reason: 'promoted', status: 'pending' }]);
    expect(await liveSessions(t.db, user.id)).toHaveLength(0);
    expect((await t.request('GET', '/me', { token: userToken })).status).toBe(401);
    const entries = await auditOf(t.db, est.establishment.id);
    expect(entries.filter((e) => e.action === 'account.promote' && e.targetAccountId === user.id)).toHaveLength(1);
    // The new profile applies at the next login.
    const again = await t.login(user.loginId);
    expect((await t.request('GET', est.base, { token: again })).status).toBe(200);
    expect((await t.request('GET', '/me', { token: again })).body.account.termsAcceptableFrom).toBe(res.body.termsAcceptableFrom);
  });

  it('renews an account: expiry 18 months from today', async () => {
    const est = await newEstablishment();
    const sonia = await t.insertActiveAccount(est.establishment.id);
    await t.db.update(accounts).set({ expiresOn: '2026-01-31' }).where(eq(accounts.id, sonia.id));
    const res = await t.request('POST', `${est.base}/${sonia.id}/renew`, { token: est.adminToken });
    expect(res.status).toBe(200);
    const expected = expiryFrom(parisDay(new Date()));
    expect(res.body.expiresOn).toBe(expected);
    expect((await accountRow(t.db, sonia.id)).expiresOn).toBe(expected);
    const entry = (await auditOf(t.db, est.establishment.id)).find((e) => e.action === 'account.renew')!;
    expect(entry).toMatchObject({ targetAccountId: sonia.id, before: { expiresOn: '2026-01-31' }, after: { expiresOn: expected } });
  });

  it('renews a selection and reports account by account', async () => {
    const est = await newEstablishment();
    const first = await t.insertActiveAccount(est.establishment.id, { lastName: 'Martin' });
    const second = await t.insertActiveAccount(est.establishment.id, { lastName: 'Dupont' });
    const ids = [first.id, second.id];
    const res = await t.request('POST', `${est.base}/bulk-renew`, { token: est.adminToken, body: { ids } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      done: 2,
      refused: 0,
      expiresOn: expect.any(String),
      signalsWorkflowId: expect.stringMatching(/^validity-renewal-signals-/),
      results: [
        { id: ids[0], loginId: first.loginId, outcome: 'done' },
        { id: ids[1], loginId: second.loginId, outcome: 'done' },
      ],
    });
  });

  it('deletes a pending account: it leaves the list, its link dies, its workflow stops, it stays in the history', async () => {
    const est = await newEstablishment();
    const { celine2 } = await createAll(est, { celine2: CELINE2 });
    const { id, loginId } = celine2!;
    // Its activation email was sent by the worker: there is an open link.
    await expect.poll(async () => (await t.db.select().from(oneTimeTokens).where(eq(oneTimeTokens.accountId, id))).length, { timeout: 20_000 }).toBe(1);

    const res = await t.request('DELETE', `${est.base}/${id}`, { token: est.adminToken });
    expect(res.status).toBe(204);
    const row = await accountRow(t.db, id);
    expect(row.status).toBe('deleted');
    expect(row.deletedAt).toBeInstanceOf(Date);
    const [token] = await t.db.select().from(oneTimeTokens).where(eq(oneTimeTokens.accountId, id));
    expect(token!.revokedAt).toBeInstanceOf(Date);
    await expect
      .poll(async () => (await t.temporal.workflow.getHandle(workflowIds.activation(loginId)).describe()).status.name, { timeout: 20_000 })
      .not.toBe('RUNNING');

    const list = await t.request('GET', est.base, { token: est.adminToken });
    expect(list.body.items.map((a: { id: string }) => a.id)).not.toContain(id);
    expect((await t.request('GET', `${est.base}/${id}`, { token: est.adminToken })).status).toBe(404);
    expect((await t.request('DELETE', `${est.base}/${id}`, { token: est.adminToken })).status).toBe(404);

    const history = await t.request('GET', `/establishments/${est.establishment.id}/history?accountId=${id}`, { token: est.adminToken });
    expect(history.body.items.map((e: { action: string }) => e.action)).toContain('account.delete');
    const deletion = history.body.items.find((e: { action: string; outcome: string }) => e.action === 'account.delete' && e.outcome === 'success');
    expect(deletion).toMatchObject({ actionLabel: 'Suppression du compte', targetLoginId: loginId, after: { status: 'deleted' } });
  });

  it('deletes an active account: its sessions are closed', async () => {
    const est = await newEstablishment();
    const user = await t.insertActiveAccount(est.establishment.id, { lastName: 'Partant', firstName: 'Pierre' });
    const token = await t.login(user.loginId);
    expect((await t.request('DELETE', `${est.base}/${user.id}`, { token: est.adminToken })).status).toBe(204);
    expect(await liveSessions(t.db, user.id)).toHaveLength(0);
    expect((await t.request('GET', '/me', { token })).status).toBe(401);
  });

  it('exports a selection, and defuses formulas', async () => {
    const est = await newEstablishment();
    const sonia = await t.insertActiveAccount(est.establishment.id, { lastName: 'Bernard', firstName: 'Sonia' });
    const evil = await t.createAccount(est.establishment.id, est.adminToken, { lastName: '=HYPERLINK("http://x")', firstName: '+Jean', serviceFunction: '@SUM(A1)' });
    expect(evil.status).toBe(201);
    const res = await t.request('GET', `${est.base}/export.csv?ids=${evil.body.id},${sonia.id}`, { token: est.adminToken });
    const rows = res.text.replace(/^\uFEFF/, '').split('\r\n').slice(1, -1);
    expect(rows).toHaveLength(2);
    const line = rows.find((l) => l.includes(evil.body.loginId))!;
    expect(line).toContain(`;"'=HYPERLINK(""http://x"")";'+Jean;`);
    expect(line).toContain(";'@SUM(A1);");
    const bad = await t.request('GET', `${est.base}/export.csv?ids=pas-un-id`, { token: est.adminToken });
    expect(bad.status).toBe(400);
  });

  it('shows the history, newest first, filterable by account, actor and dates, paginated', async () => {
    const est = await newEstablishment();
    const { celine, sonia } = await createAll(est, { celine: CELINE, sonia: SONIA });
    const user = await t.insertActiveAccount(est.establishment.id, { lastName: 'Promu', firstName: 'Paul' });
    await t.login(user.loginId);
    // Both creation emails sent before Sonia is deleted: a deletion that overtook her first link would leave
    // one email and a cancelled link, a different history from the one this test reads.
    const sent = async () => (await auditOf(t.db, est.establishment.id)).filter((e) => e.action === 'email.password_creation_sent').length;
    await expect.poll(sent, { timeout: 20_000 }).toBe(2);
    for (const [method, path, body] of [
      ['PATCH', `${est.base}/${celine!.id}`, { serviceFunction: 'Paie' }],
      ['PATCH', `${est.base}/${user.id}`, { profile: 'admin', professionalAddress: ADDRESS }],
      ['POST', `${est.base}/${sonia!.id}/renew`, undefined],
      ['DELETE', `${est.base}/${sonia!.id}`, undefined],
    ] as const) {
      const res = await t.request(method, path, { token: est.adminToken, body });
      expect(res.status, res.text).toBeLessThan(300);
    }
    const path = `/establishments/${est.establishment.id}/history`;
    // Let the worker finish writing its own entries: whatever the deleted account's activation writes as it ends.
    const soniaActivation = t.temporal.workflow.getHandle(workflowIds.activation(sonia!.loginId));
    await expect.poll(async () => (await soniaActivation.describe()).status.name, { timeout: 20_000 }).toBe('COMPLETED');
    const all = await t.request('GET', path, { token: est.adminToken });
    expect(all.status).toBe(200);
    const ids = all.body.items.map((e: { id: number }) => e.id);
    expect(ids).toEqual([...ids].sort((a: number, b: number) => b - a));
    const actions = new Set(all.body.items.map((e: { action: string }) => e.action));
    for (const action of ['account.create', 'account.update', 'account.promote', 'account.renew', 'account.delete', 'auth.login']) {
      expect(actions).toContain(action);
    }
    expect(all.body.items.find((e: { action: string }) => e.action === 'account.create').actor).toMatchObject({ type: 'account', accountId: est.admin.id, label: est.admin.loginId, onBehalf: false });

    const forCeline = await t.request('GET', `${path}?accountId=${celine!.id}`, { token: est.adminToken });
    expect(forCeline.body.items.every((e: { targetAccountId: string }) => e.targetAccountId === celine!.id)).toBe(true);
    expect(forCeline.body.items.map((e: { action: string }) => e.action).at(-1)).toBe('account.create');

    const byAdmin = await t.request('GET', `${path}?actorId=${est.admin.id}&pageSize=25`, { token: est.adminToken });
    expect(byAdmin.body.items.every((e: { actor: { accountId: string } }) => e.actor.accountId === est.admin.id)).toBe(true);
    expect(byAdmin.body.total).toBeGreaterThanOrEqual(7); // 2 creations, update, promotion, renewal, deletion, login

    const page2 = await t.request('GET', `${path}?page=2`, { token: est.adminToken });
    expect(page2.body).toMatchObject({ page: 2, pageCount: Math.ceil(page2.body.total / 25) });
    expect(page2.body.items).toHaveLength(Math.max(0, Math.min(25, page2.body.total - 25)));
    for (const entry of page2.body.items) expect(entry.id).toBeLessThan(ids.at(-1));

    const today = parisDay(new Date());
    const old = await t.request('GET', `${path}?to=2020-01-01`, { token: est.adminToken });
    expect(old.body.total).toBe(0);
    const fromToday = await t.request('GET', `${path}?from=${today}&to=${today}`, { token: est.adminToken });
    expect(fromToday.body.total).toBe(all.body.total);
    expect((await t.request('GET', `${path}?from=2024-02-30`, { token: est.adminToken })).status).toBe(400);
  });
});

describe('pagination', () => {
  it('25 by default, 50 or 100 on request, stable order without duplicates across pages', async () => {
    const est = await t.createEstablishment();
    for (let i = 0; i < 30; i++) {
      // Same last name for all: the order falls back on first name then id.
      await t.insertActiveAccount(est.establishment.id, { lastName: 'Homonyme', firstName: i % 2 ? 'Anne' : 'Bruno' });
    }
    const base = `/establishments/${est.establishment.id}/accounts`;
    const p1 = await t.request('GET', base, { token: est.adminToken });
    const p2 = await t.request('GET', `${base}?page=2`, { token: est.adminToken });
    expect(p1.body).toMatchObject({ total: 31, pageSize: 25, pageCount: 2 });
    expect(p1.body.items).toHaveLength(25);
    expect(p2.body.items).toHaveLength(6);
    const seen = [...p1.body.items, ...p2.body.items].map((a: { id: string }) => a.id);
    expect(new Set(seen).size).toBe(31);
    const p50 = await t.request('GET', `${base}?pageSize=50`, { token: est.adminToken });
    expect(p50.body.items.map((a: { id: string }) => a.id)).toEqual(seen);
    const bad = await t.request('GET', `${base}?pageSize=10`, { token: est.adminToken });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'pageSize' }] });
  });

  it('sorts names ignoring accents and case', async () => {
    const est = await t.createEstablishment();
    for (const lastName of ['Zola', 'émile', 'Durand', 'Éluard']) await t.insertActiveAccount(est.establishment.id, { lastName, firstName: 'X' });
    const res = await t.request('GET', `/establishments/${est.establishment.id}/accounts`, { token: est.adminToken });
    expect(res.body.items.map((a: { lastName: string }) => a.lastName)).toEqual(['Admin', 'Durand', 'Éluard', 'émile', 'Zola']);
  });
});
