/**
 * The terms-of-use lifecycle on Temporal's time-skipping test server: weeks pass in milliseconds.
 * Real activities, a database of its own (a published version concerns every establishment), the
 * real mail sink, and the real API — its clock follows the test server's time.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { auditEvents, establishmentTerms } from '../../db/schema';
import { createMailSinkClient, type MailSinkMessage } from '../../dev/mail-sink';
import { addDays, frenchDate, parisDay, parisMidnight, termsAcceptableFrom } from '../../domain/dates';
import { deadlineInstant, reminderInstants } from '../../domain/terms';
import { hashPassword } from '../../security/passwords';
import { termsCampaignStatusQuery, termsStatusQuery, workflowIds } from '../../workflows/definitions';
import { insertAccount, insertEstablishment } from '../support/fixtures';
import { createIsolatedDatabase } from '../support/isolated-database';
import { recordHistory } from '../support/histories';
import { useTimeSkippingStack } from '../support/time-skipping';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const PASSWORD = 'Printemps-2026';

let passwordHash: string;
let fixed = new Date();
const mail = () => createMailSinkClient(inject('stack').mailSinkUrl);

const ts = useTimeSkippingStack({ name: 'terms-ts', database: (url) => createIsolatedDatabase(url, 'peps_terms_ts'), clock: { now: () => fixed } });
beforeAll(async () => {
  passwordHash = await hashPassword(PASSWORD);
});


/** The API's clock reads the test server's time, which moves on with every skip. */
async function syncClock(): Promise<Date> {
  fixed = new Date(await ts.env.currentTimeMs());
  return fixed;
}

async function call(method: string, url: string, options: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await ts.app.request(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await res.text();
  return { status: res.status, body: (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text };
}

const operator = (method: string, url: string, body?: unknown) => call(method, url, { token: ts.deps.config.operatorToken, body });

async function login(loginId: string) {
  await syncClock();
  return call('POST', '/auth/login', { body: { loginId, password: PASSWORD } });
}

async function token(loginId: string): Promise<string> {
  const res = await login(loginId);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.token;
}

/** An establishment with an admin who became admin `adminDaysAgo` days ago (test server time) and a user. */
async function establishment(adminDaysAgo: number) {
  const now = await syncClock();
  const est = await insertEstablishment(ts.deps.db);
  const adminSince = new Date(now.getTime() - adminDaysAgo * DAY);
  const admin = await insertAccount(ts.deps.db, est.id, { profile: 'admin', adminSince, termsAcceptableFrom: termsAcceptableFrom(adminSince), passwordHash });
  const user = await insertAccount(ts.deps.db, est.id, { passwordHash });
  return { est, admin, user };
}

async function publish(deadlineInDays: number, reminderDaysBefore = [7, 1]) {
  const now = await syncClock();
  const version = `ts-${randomInt(1_000_000)}`;
  const deadlineOn = addDays(parisDay(now), deadlineInDays);
  const res = await operator('POST', '/operator/terms-versions', {
    version,
    title: "Conditions générales d'utilisation",
    text: `Version ${version} des conditions.`,
    deadlineOn,
    reminderDaysBefore,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { version, deadlineOn };
}

/**
 * The terms emails `email` received for `version`, oldest first. The campaign's first page may run
 * before the publication commits, and then looks for the version again after its retry's backoff
 * (activities/absent-row.ts; before, that page failed for good and no email ever came): on a loaded
 * machine the email can come a minute later. Up to two minutes, inside the test's three.
 */
async function termsEmails(email: string, version: string, atLeast: number): Promise<MailSinkMessage[]> {
  const of = (m: MailSinkMessage) => m.to.includes(email) && (m.text ?? '').includes(`version ${version}`);
  const started = Date.now();
  for (;;) {
    const found = (await mail().list({ to: email })).filter(of).reverse();
    if (found.length >= atLeast || Date.now() - started > 2 * MINUTE) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Moves the test server's time to just after `at`. */
async function skipTo(at: Date) {
  const now = await ts.env.currentTimeMs();
  if (at.getTime() > now) await ts.env.sleep(at.getTime() - now + MINUTE);
  await syncClock();
}


/**
 * The run's result once it closed, through a plain client: the environment's client skips time while
 * a result is awaited, to the next timer of any workflow on the server (years away for those that wait).
 */
async function outcome(handle: { workflowId: string; describe(): Promise<{ status: { name: string } }> }) {
  await expect.poll(async () => (await handle.describe()).status.name, { timeout: 20_000 }).not.toBe('RUNNING');
  return new Client({ connection: ts.env.connection, namespace: ts.env.namespace }).workflow.getHandle(handle.workflowId).result();
}

async function historyOf(establishmentId: string, action: string) {
  return ts.deps.db.select().from(auditEvents).where(and(eq(auditEvents.establishmentId, establishmentId), eq(auditEvents.action, action)));
}

describe('terms-of-use workflow (time skipping)', { timeout: 180_000 }, () => {
  it('publication emails the active admins, reminds them 7 and 1 days before, and ends when one accepts', async () => {
    const { est, admin, user } = await establishment(30);
    const { version, deadlineOn } = await publish(30, [7, 1]);
    const handle = ts.env.client.workflow.getHandle(workflowIds.terms(version, est.siret));

    const [published] = await termsEmails(admin.email, version, 1);
    expect(published!.subject).toBe(`Nouvelles conditions générales d'utilisation à valider avant le ${frenchDate(deadlineOn)}`);
    expect(published!.text).toContain(`doit valider les conditions générales d'utilisation avant le ${frenchDate(deadlineOn)}`);
    expect(await termsEmails(user.email, version, 0)).toEqual([]);
    await expect.poll(async () => (await handle.query(termsStatusQuery)).stage, { timeout: 20_000 }).toBe('awaiting_acceptance');

    const userToken = await token(user.loginId);
    const me = await call('GET', '/me', { token: userToken });
    expect(me.body.notices).toContainEqual(
      expect.objectContaining({
        code: 'terms_pending',
        message: `Pour garantir l'accès à la plateforme, un de vos administrateurs doit valider les conditions générales d'utilisation avant le ${frenchDate(deadlineOn)}.`,
      }),
    );
    expect(me.body.terms).toMatchObject({ version, standing: 'pending', canAccept: false, acceptableFrom: null });

    const [seven, one] = reminderInstants(deadlineOn, [7, 1]);
    await skipTo(seven!.at);
    const afterSeven = await termsEmails(admin.email, version, 2);
    expect(afterSeven.map((m) => m.subject)).toEqual([published!.subject, `Rappel : conditions générales d'utilisation à valider avant le ${frenchDate(deadlineOn)}`]);
    expect(afterSeven[1]!.text).toContain('il reste 7 jours');
    await skipTo(one!.at);
    expect((await termsEmails(admin.email, version, 3))[2]!.text).toContain('il reste 1 jour.');
    expect((await handle.query(termsStatusQuery)).emailSteps.map((s) => s.step)).toEqual(['publication', 'reminder-7', 'reminder-1']);

    const adminToken = await token(admin.loginId);
    const accepted = await call('POST', `/establishments/${est.id}/terms/acceptance`, { token: adminToken, body: { version, declaration: true } });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body).toMatchObject({ version, acceptedByLoginId: admin.loginId, alreadyAccepted: false });
    expect(await outcome(handle)).toBe('accepted');

    // Idempotent: the same acceptance again changes nothing and says so.
    const again = await call('POST', `/establishments/${est.id}/terms/acceptance`, { token: adminToken, body: { version, declaration: true } });
    expect(again.body).toMatchObject({ acceptedAt: accepted.body.acceptedAt, alreadyAccepted: true });
    expect(await historyOf(est.id, 'terms.accepted')).toHaveLength(1);
    expect((await historyOf(est.id, 'email.terms_of_use_sent')).map((e) => (e.detail as { step: string }).step)).toEqual(['publication', 'reminder-7', 'reminder-1']);

    const after = await call('GET', '/me', { token: await token(user.loginId) });
    expect(after.body.notices.filter((n: { code: string }) => n.code.startsWith('terms_'))).toEqual([]);
    expect(after.body.terms).toMatchObject({ standing: 'accepted', acceptedByLoginId: admin.loginId });
    await recordHistory('terms-reminders-then-accepted', handle);
    await recordHistory('terms-campaign', ts.env.client.workflow.getHandle(workflowIds.termsCampaign(version)));
  });

  it('without acceptance the deadline passes: overdue, users refused at login, admins still accept', async () => {
    const { est, admin, user } = await establishment(30);
    const { version, deadlineOn } = await publish(20, [3]);
    const handle = ts.env.client.workflow.getHandle(workflowIds.terms(version, est.siret));
    await termsEmails(admin.email, version, 1);

    await skipTo(new Date(deadlineInstant(deadlineOn).getTime() + HOUR));
    // The deadline's timer fired during the skip; the workflow's task that follows it may still be
    // running (under a loaded suite the test server then answered a query « not found »): polled.
    await expect.poll(() => handle.query(termsStatusQuery), { timeout: 20_000 }).toMatchObject({ stage: 'overdue', acceptance: null });
    expect(await historyOf(est.id, 'terms.deadline_passed')).toHaveLength(1);

    const refused = await login(user.loginId);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'terms_not_accepted', deadlineOn });
    expect(refused.body.detail).toContain(`avant le ${frenchDate(deadlineOn)}`);

    const adminToken = await token(admin.loginId);
    const me = await call('GET', '/me', { token: adminToken });
    expect(me.body.terms).toMatchObject({ standing: 'overdue', canAccept: true });
    expect(me.body.notices.map((n: { code: string }) => n.code)).toEqual(expect.arrayContaining(['terms_overdue', 'terms_admin_can_accept']));

    const list = await operator('GET', `/operator/terms-versions/${version}/establishments?standing=overdue`);
    expect(list.body.items).toContainEqual(expect.objectContaining({ siret: est.siret, standing: 'overdue', standingLabel: 'Délai dépassé' }));
    const csv = await operator('GET', `/operator/terms-versions/${version}/establishments.csv`);
    expect(csv.body).toContain(`${est.siret};${est.name};${version};${frenchDate(deadlineOn)};Délai dépassé;;`);

    const accepted = await call('POST', `/establishments/${est.id}/terms/acceptance`, { token: adminToken, body: { version, declaration: true } });
    expect(accepted.status).toBe(200);
    expect(await outcome(handle)).toBe('accepted_late');
    expect((await login(user.loginId)).status).toBe(200);
    const notAccepted = await operator('GET', `/operator/terms-versions/${version}/establishments`);
    expect(notAccepted.body.items.map((i: { siret: string }) => i.siret)).not.toContain(est.siret);
    await recordHistory('terms-overdue-then-accepted', handle);
  });

  it('refuses an admin inside the 8-day delay, naming the date, and accepts after it', async () => {
    const { est, admin } = await establishment(0);
    const { version } = await publish(30);
    const handle = ts.env.client.workflow.getHandle(workflowIds.terms(version, est.siret));
    const [email] = await termsEmails(admin.email, version, 1);
    const from = frenchDate(admin.termsAcceptableFrom!);
    expect(email!.text).toContain(`vous pourrez les valider à partir du ${from}`);

    const adminToken = await token(admin.loginId);
    const me = await call('GET', '/me', { token: adminToken });
    expect(me.body.notices).toContainEqual(expect.objectContaining({ code: 'terms_admin_can_accept', message: expect.stringContaining(`à partir du ${from}`) }));
    const early = await call('POST', `/establishments/${est.id}/terms/acceptance`, { token: adminToken, body: { version, declaration: true } });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'terms_admin_delay' });
    expect(early.body.detail).toContain(`à partir du ${from}`);
    expect((await historyOf(est.id, 'terms.accept')).map((e) => e.outcome)).toEqual(['refused']);

    await skipTo(parisMidnight(admin.termsAcceptableFrom!));
    const later = await call('POST', `/establishments/${est.id}/terms/acceptance`, { token: await token(admin.loginId), body: { version, declaration: true } });
    expect(later.status, JSON.stringify(later.body)).toBe(200);
    expect(await outcome(handle)).toBe('accepted');
  });

  it('a newer version supersedes the pending campaign of the older one', async () => {
    const { est, admin } = await establishment(30);
    const older = await publish(30);
    const oldHandle = ts.env.client.workflow.getHandle(workflowIds.terms(older.version, est.siret));
    await termsEmails(admin.email, older.version, 1);
    const newer = await publish(40);
    expect(await outcome(oldHandle)).toBe('superseded');
    expect(await oldHandle.query(termsStatusQuery)).toMatchObject({ stage: 'superseded', supersededBy: newer.version });
    await termsEmails(admin.email, newer.version, 1);
    const newHandle = ts.env.client.workflow.getHandle(workflowIds.terms(newer.version, est.siret));
    await expect.poll(async () => (await newHandle.query(termsStatusQuery)).stage, { timeout: 20_000 }).toBe('awaiting_acceptance');

    const adminToken = await token(admin.loginId);
    const stale = await call('POST', `/establishments/${est.id}/terms/acceptance`, { token: adminToken, body: { version: older.version, declaration: true } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'terms_version_not_current', currentVersion: newer.version });
    const campaign = ts.env.client.workflow.getHandle(workflowIds.termsCampaign(newer.version));
    expect(await outcome(campaign)).toMatchObject({ stage: 'all_started' });
    expect((await campaign.query(termsCampaignStatusQuery)).started).toBeGreaterThanOrEqual(1);
    await recordHistory('terms-superseded', oldHandle);
  });

  it('an establishment registered after the publication gets the version in force at once', async () => {
    await syncClock();
    const { version, deadlineOn } = await publish(30);
    await skipTo(new Date(fixed.getTime() + 5 * DAY));
    const siret = Array.from({ length: 14 }, () => randomInt(10)).join('');
    const email = `${randomUUID()}@commune.test`;
    const created = await operator('POST', '/operator/establishments', {
      siret,
      name: 'COMMUNE NOUVELLE',
      legalRepresentative: { civility: 'madame', lastName: 'Durand', firstName: 'Martine', title: 'Maire', address: ['Mairie', '1 place', '33000 BORDEAUX'] },
      admin: {
        civility: 'monsieur',
        lastName: 'Neuf',
        firstName: 'Paul',
        email,
        emailConfirmation: email,
        professionalAddress: ['Mairie', '1 place', '33000 BORDEAUX'],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const establishmentId = created.body.establishment.id;
    const handle = ts.env.client.workflow.getHandle(workflowIds.terms(version, siret));
    // As long to accept as the others had: 30 days from its registration, 5 days after the version's own deadline.
    const [row] = await ts.deps.db.select().from(establishmentTerms).where(eq(establishmentTerms.establishmentId, establishmentId));
    expect(row!.deadlineOn).toBe(addDays(deadlineOn, 5));
    await expect.poll(async () => (await handle.query(termsStatusQuery)).stage, { timeout: 20_000 }).toBe('awaiting_acceptance');
    // Its only admin is not active yet (password to create): nobody to email at publication.
    expect((await handle.query(termsStatusQuery)).emailSteps).toEqual([]);
    expect(await historyOf(establishmentId, 'terms.enrolled')).toHaveLength(1);
  });
});
