/**
 * The platform operator registers establishments (legal representative and first admin) and lists
 * them; the demo seed fills an empty database with an establishment whose admin can log in.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { describe, expect, inject, it } from 'vitest';
import { createApp } from '../../../api/app';
import { createDatabase } from '../../../db/client';
import { migrateDatabase } from '../../../db/migrate';
import { seedDemo } from '../../../db/seed';
import { establishments } from '../../../db/schema';
import { workflowIds } from '../../../workflows/definitions';
import { randomSiret, useTestApp } from '../../support/harness';
import { accountRow, ADDRESS, auditOf, registrationsOf, rightsRows } from './helpers';

const t = useTestApp();

function registration(overrides: Record<string, unknown> = {}) {
  const email = `${randomUUID()}@mairie.test`;
  return {
    siret: randomSiret().replace(/(\d{3})(\d{3})(\d{3})(\d{5})/, '$1 $2 $3 $4'),
    name: 'COMMUNE DE SAINT-ÉTIENNE-DE-TEST',
    legalRepresentative: { civility: 'monsieur', lastName: 'Maire', firstName: 'Jean', title: 'Maire', address: ADDRESS },
    defaultRights: { 'affiliation-cnracl': 'read' },
    admin: {
      civility: 'madame',
      lastName: 'Gueriot',
      firstName: 'Myriam',
      email,
      emailConfirmation: email,
      phone: '0241051938',
      professionalAddress: ADDRESS,
    },
    ...overrides,
  };
}

describe('operator', () => {
  const operator = () => t.config.operatorToken;

  it('registers an establishment with its legal representative and first admin', async () => {
    const body = registration();
    const res = await t.request('POST', '/operator/establishments', { token: operator(), body });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      establishment: { siret: body.siret.replace(/ /g, ''), name: body.name },
      admin: { loginId: expect.stringMatching(/^MGU\d{6}$/), status: 'pending_activation', holder: 'Mme Myriam Gueriot' },
    });
    const id = res.body.establishment.id;
    const [stored] = await t.db.select().from(establishments).where(eq(establishments.id, id));
    expect(stored).toMatchObject({ legalRepLastName: 'Maire', legalRepTitle: 'Maire', legalRepAddress: ADDRESS, defaultRights: { 'affiliation-cnracl': 'read' } });
    const admin = await accountRow(t.db, res.body.admin.id);
    expect(admin).toMatchObject({ profile: 'admin', status: 'pending_activation', createdByAccountId: null, professionalAddress: ADDRESS });
    expect((await rightsRows(t.db, admin.id))['affiliation-cnracl']).toBe('read');
    expect(await registrationsOf(t.db, admin.id)).toMatchObject([{ reason: 'created' }]);
    expect((await auditOf(t.db, id)).map((e) => [e.action, e.actorType, e.actorLabel])).toEqual([
      ['establishment.create', 'operator', 'DRS'],
      ['account.create', 'operator', 'DRS'],
    ]);
    const workflow = await t.temporal.workflow.getHandle(workflowIds.activation(res.body.admin.loginId)).describe();
    expect(workflow.status.name).toBe('RUNNING');

    const again = await t.request('POST', '/operator/establishments', { token: operator(), body: registration({ siret: body.siret }) });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'siret_already_registered', errors: [{ field: 'siret' }] });

    const list = await t.request('GET', '/operator/establishments?pageSize=100', { token: operator() });
    expect(list.status).toBe(200);
    expect(list.body.pageSize).toBe(100);
    expect(list.body.total).toBeGreaterThanOrEqual(1);
    const pages = Math.ceil(list.body.total / 100);
    let found;
    for (let page = 1; page <= pages && !found; page++) {
      const p = await t.request('GET', `/operator/establishments?pageSize=100&page=${page}`, { token: operator() });
      found = p.body.items.find((e: { id: string }) => e.id === id);
    }
    expect(found).toMatchObject({ siret: res.body.establishment.siret, accountCount: 1, activeAdminCount: 0 });
  });

  it('validates field by field: SIRET, admin without address, unknown services, unknown central establishment', async () => {
    const body = registration({ siret: '123', centralEstablishmentId: randomUUID(), defaultRights: { inconnu: 'read' } });
    const first = await t.request('POST', '/operator/establishments', { token: operator(), body });
    expect(first.status).toBe(400);
    expect(first.body.errors.map((e: { field: string }) => e.field)).toEqual(['siret']);
    const second = await t.request('POST', '/operator/establishments', { token: operator(), body: { ...body, siret: randomSiret() } });
    expect(second.body.errors.map((e: { field: string }) => e.field)).toEqual(['defaultRights.inconnu', 'centralEstablishmentId']);
    const noAddress = registration();
    const res = await t.request('POST', '/operator/establishments', {
      token: operator(),
      body: { ...noAddress, admin: { ...noAddress.admin, professionalAddress: undefined } },
    });
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['admin.professionalAddress']);
  });

  it('refuses accounts and anonymous callers', async () => {
    const est = await t.createEstablishment();
    for (const token of [est.adminToken, undefined]) {
      expect((await t.request('POST', '/operator/establishments', { token, body: registration() })).status).toBe(401);
      expect((await t.request('GET', '/operator/establishments', { token })).status).toBe(401);
    }
  });

  it('sees the service catalogue', async () => {
    const res = await t.request('GET', '/services', { token: operator() });
    expect(res.status).toBe(200);
    expect(res.body.themes.map((th: { code: string }) => th.code)).toEqual(['carriere', 'droits-a-pension', 'cotisations']);
    expect(res.body.themes[0].services[0]).toEqual({ code: 'affiliation-cnracl', label: 'Affiliation CNRACL' });
    expect(res.body.levels).toEqual([
      { level: 'none', label: 'Aucun' },
      { level: 'read', label: 'Lecture seule' },
      { level: 'write', label: 'Modification' },
    ]);
  });
});

describe('demo data', () => {
  it('fills an empty database only once, and its admin can log in', async () => {
    const url = inject('stack').databaseUrl;
    const name = `seed_${randomUUID().replace(/-/g, '')}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const seedUrl = url.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);
    const database = createDatabase(seedUrl, { max: 2 });
    try {
      await migrateDatabase(seedUrl);
      const seeded = await seedDemo(database.db);
      expect(seeded).toMatchObject({ establishmentName: 'COMMUNE DE DEMO', loginId: expect.stringMatching(/^MGU\d{6}$/) });
      expect(await seedDemo(database.db)).toBeNull();

      const app = createApp({ ...t.deps, db: database.db });
      const res = await app.request('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ loginId: seeded!.loginId, password: seeded!.password }),
      });
      expect(res.status).toBe(200);
      const { token } = (await res.json()) as { token: string };
      const list = await app.request(`/establishments/${seeded!.establishmentId}/accounts`, { headers: { authorization: `Bearer ${token}` } });
      expect(((await list.json()) as { items: { status: string }[] }).items).toMatchObject([{ status: 'active' }]);
    } finally {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
