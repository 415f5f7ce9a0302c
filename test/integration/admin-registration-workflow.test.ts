/**
 * The administrator registration on Temporal's time-skipping test server: days pass in milliseconds.
 * Real activities, PostgreSQL and mail sink; the admin's and the operator's requests go through the
 * real API.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { accounts, adminRegistrations, auditEvents, sessions } from '../../db/schema';
import { createMailSinkClient } from '../../dev/mail-sink';
import { addDays, parisDay, termsAcceptableFrom } from '../../domain/dates';
import { hashPassword } from '../../security/passwords';
import { type AdminRegistrationStage, registrationStatusQuery, searchAttributes, workflowIds } from '../../workflows/definitions';
import { insertAccount, insertEstablishment } from '../support/fixtures';
import { recordHistory } from '../support/histories';
import { useTimeSkippingStack } from '../support/time-skipping';

const DAY = 24 * 60 * 60_000;
const PASSWORD = 'Motdepasse-2026';
const ADDRESS = ['Mairie – Service RH', '1 place de la Mairie', '44000 NANTES'];

let passwordHash: string;
const mail = () => createMailSinkClient(inject('stack').mailSinkUrl);

const ts = useTimeSkippingStack({ name: 'admin-registration', perTest: true });
beforeAll(async () => {
  passwordHash = await hashPassword(PASSWORD);
});


async function call(method: string, url: string, options: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? ts.deps.config.operatorToken}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await ts.app.request(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, body: type.includes('json') ? await res.json() : await res.arrayBuffer() } as { status: number; body: any };
}

/** An establishment with an active admin who is logged in. */
async function establishmentWithAdmin() {
  const establishment = await insertEstablishment(ts.deps.db);
  const admin = await insertAccount(ts.deps.db, establishment.id, { profile: 'admin', passwordHash, lastName: 'Première' });
  const login = await call('POST', '/auth/login', { body: { loginId: admin.loginId, password: PASSWORD } });
  return { establishment, admin, token: login.body.token as string };
}

async function promoteUser() {
  const ctx = await establishmentWithAdmin();
  const account = await insertAccount(ts.deps.db, ctx.establishment.id, { passwordHash, lastName: 'Promu', firstName: 'Paul' });
  const res = await call('PATCH', `/establishments/${ctx.establishment.id}/accounts/${account.id}`, {
    token: ctx.token,
    body: { profile: 'admin', professionalAddress: ADDRESS },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { ...ctx, account, handle: ts.env.client.workflow.getHandle(workflowIds.adminRegistration(account.loginId)) };
}

async function createAdmin() {
  const ctx = await establishmentWithAdmin();
  const email = `${randomUUID()}@employeur.test`;
  const res = await call('POST', `/establishments/${ctx.establishment.id}/accounts`, {
    token: ctx.token,
    body: { profile: 'admin', civility: 'madame', lastName: 'Nouvelle', firstName: 'Nina', email, emailConfirmation: email, professionalAddress: ADDRESS },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const account = { id: res.body.id as string, loginId: res.body.loginId as string, email };
  return { ...ctx, account, handle: ts.env.client.workflow.getHandle(workflowIds.adminRegistration(account.loginId)) };
}

type Handle = ReturnType<typeof ts.env.client.workflow.getHandle>;

async function stageOf(handle: Handle, stage: AdminRegistrationStage) {
  for (let i = 0; i < 100; i++) {
    const status = await handle.query(registrationStatusQuery).catch(() => null);
    if (status?.stage === stage) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never reached ${stage}: ${JSON.stringify(await handle.query(registrationStatusQuery))}`);
}

async function registrationOf(accountId: string) {
  const [row] = await ts.deps.db.select().from(adminRegistrations).where(eq(adminRegistrations.accountId, accountId));
  return row!;
}

async function workflowToday() {
  return parisDay(new Date(await ts.env.currentTimeMs()));
}

async function markPosted(reference: string, postedOn?: string) {
  return call('POST', '/operator/letters/posted', { body: { references: [reference], postedOn: postedOn ?? (await workflowToday()) } });
}

function oppose(by: { reference?: string; loginId?: string }, requestedOn: string) {
  return call('POST', '/operator/admin-registrations/oppositions', {
    body: { ...by, requestedOn, channel: 'letter', reason: 'Cette personne a quitté la commune.' },
  });
}

async function actionsOf(accountId: string) {
  const rows = await ts.deps.db.select().from(auditEvents).where(eq(auditEvents.targetAccountId, accountId)).orderBy(auditEvents.id);
  return rows.map((r) => r.action);
}


describe('admin registration workflow (time skipping)', () => {
  it('letter generated → posted → the window closes → confirmed; the 8-day date is on the account', async () => {
    const { account, handle } = await promoteUser();
    const waiting = await stageOf(handle, 'letter_waiting');
    const row = await registrationOf(account.id);
    expect(waiting.reference).toBe(row.reference);
    expect(row.letterPdf!.subarray(0, 5).toString()).toBe('%PDF-');
    expect(row.statedDeadline).toBe(addDays(row.letterDate!, 5 + 30));
    const [holder] = await ts.deps.db.select().from(accounts).where(eq(accounts.id, account.id));
    expect(holder!.termsAcceptableFrom).toBe(termsAcceptableFrom(holder!.adminSince!));
    expect(waiting.termsAcceptableFrom).toBe(holder!.termsAcceptableFrom);

    await ts.env.sleep(2 * DAY);
    const posted = await markPosted(row.reference!);
    expect(posted.body).toMatchObject({ done: 1, results: [{ outcome: 'done', oppositionDeadline: row.statedDeadline }] });
    const awaiting = await stageOf(handle, 'awaiting_opposition');
    expect(awaiting.oppositionDeadline).toBe(row.statedDeadline); // posted in time: the letter's date holds
    expect((await markPosted(row.reference!)).body.results[0]).toMatchObject({ outcome: 'refused', code: 'letter_not_waiting' });

    await ts.env.sleep(33 * DAY);
    expect((await handle.query(registrationStatusQuery)).stage).toBe('awaiting_opposition'); // the deadline day itself
    await ts.env.sleep(2 * DAY);
    expect(await handle.result()).toBe('confirmed');
    expect((await registrationOf(account.id)).status).toBe('confirmed');
    const [after] = await ts.deps.db.select().from(accounts).where(eq(accounts.id, account.id));
    expect(after!.profile).toBe('admin');
    expect(await actionsOf(account.id)).toEqual(
      expect.arrayContaining(['account.promote', 'admin_registration.letter_generated', 'admin_registration.letter_posted', 'admin_registration.confirmed']),
    );
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(searchAttributes.lifecycleState)).toBe('confirmed');
    expect(description.typedSearchAttributes.get(searchAttributes.registrationRef)).toBe(row.reference);
    await recordHistory('admin-registration-confirmed', handle);
  });

  it('an opposition inside the window deletes an account created as admin; holder and admins are told', async () => {
    const { admin, account, handle } = await createAdmin();
    const reference = (await stageOf(handle, 'letter_waiting')).reference!;
    await markPosted(reference);
    await stageOf(handle, 'awaiting_opposition');
    await ts.env.sleep(10 * DAY);

    const res = await oppose({ reference }, await workflowToday());
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ reference, loginId: account.loginId, account: 'deleted', noActiveAdminLeft: false });
    expect(await handle.result()).toBe('opposed');
    const [row] = await ts.deps.db.select().from(accounts).where(eq(accounts.id, account.id));
    expect(row!.status).toBe('deleted');
    expect(await registrationOf(account.id)).toMatchObject({ status: 'opposed', oppositionChannel: 'letter' });
    for (const to of [account.email, admin.email]) {
      expect(await mail().waitFor((m) => m.to.includes(to) && m.subject.startsWith('Opposition du représentant légal'), { timeoutMs: 10_000, to })).toBeTruthy();
    }
    const entries = await ts.deps.db.select().from(auditEvents).where(and(eq(auditEvents.targetAccountId, account.id), eq(auditEvents.action, 'admin_registration.opposed')));
    expect(entries).toMatchObject([{ actorType: 'operator', outcome: 'success' }]);
    // The activation run was told too: the link died with the account.
    expect(await ts.env.client.workflow.getHandle(workflowIds.activation(account.loginId)).result()).toBe('cancelled');
    await recordHistory('admin-registration-opposed-created', handle);
  });

  it('an opposition sends a promoted user back to user and ends their sessions; it still prevails with no admin left', async () => {
    const { admin, account, handle, establishment } = await promoteUser();
    const reference = (await stageOf(handle, 'letter_waiting')).reference!;
    // The only other admin leaves: the promoted one is the last active admin.
    await ts.deps.db.update(accounts).set({ status: 'deleted', deletedAt: new Date() }).where(eq(accounts.id, admin.id));
    const login = await call('POST', '/auth/login', { body: { loginId: account.loginId, password: PASSWORD } });
    expect(login.status).toBe(200);

    const res = await oppose({ loginId: account.loginId }, await workflowToday()); // before posting: accepted too
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ account: 'demoted', noActiveAdminLeft: true });
    expect(res.body.message).toContain("plus d'administrateur actif");
    expect(await handle.result()).toBe('opposed');
    const [row] = await ts.deps.db.select().from(accounts).where(eq(accounts.id, account.id));
    expect(row).toMatchObject({ profile: 'user', status: 'active', adminSince: null, termsAcceptableFrom: null });
    const live = await ts.deps.db.select().from(sessions).where(eq(sessions.accountId, account.id));
    expect(live.every((s) => s.revokedAt !== null)).toBe(true);
    const [opposed] = await ts.deps.db.select().from(auditEvents).where(and(eq(auditEvents.targetAccountId, account.id), eq(auditEvents.action, 'admin_registration.opposed')));
    expect(opposed!.detail).toMatchObject({ noActiveAdminLeft: true, channel: 'letter' });
    expect(opposed!.establishmentId).toBe(establishment.id);
    expect(await actionsOf(account.id)).toContain('account.demote');
    await recordHistory('admin-registration-opposed-promoted', handle);
  });

  it('refuses an opposition after the window with a clear error', async () => {
    const { account, handle } = await promoteUser();
    const reference = (await stageOf(handle, 'letter_waiting')).reference!;
    await markPosted(reference);
    await stageOf(handle, 'awaiting_opposition');
    await ts.env.sleep(40 * DAY);
    expect(await handle.result()).toBe('confirmed');

    const res = await oppose({ reference }, await workflowToday());
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'opposition_window_closed' });
    expect(res.body.detail).toContain('délai d\'opposition est écoulé');
    const [row] = await ts.deps.db.select().from(accounts).where(eq(accounts.id, account.id));
    expect(row!.profile).toBe('admin');
    const refused = await ts.deps.db.select().from(auditEvents).where(and(eq(auditEvents.targetAccountId, account.id), eq(auditEvents.outcome, 'refused')));
    expect(refused.map((e) => e.action)).toEqual(['admin_registration.opposed']);
  });

  it('flags a letter never posted (state and search attribute), and still waits for it', async () => {
    const { account, handle } = await promoteUser();
    await stageOf(handle, 'letter_waiting');
    await ts.env.sleep(5 * DAY + 60_000);
    const status = await stageOf(handle, 'letter_overdue');
    expect(status.letterOverdue).toBe(true);
    expect((await handle.describe()).typedSearchAttributes.get(searchAttributes.letterOverdue)).toBe(true);
    expect((await registrationOf(account.id)).letterOverdueAt).toBeInstanceOf(Date);
    const listed = await call('GET', `/operator/letters?establishmentId=${(await registrationOf(account.id)).establishmentId}`);
    expect(listed.body.items).toMatchObject([{ reference: status.reference, overdue: true, postedOn: null }]);

    // Posted late: the window counts from posting, beyond the date the letter stated.
    await ts.env.sleep(10 * DAY);
    const posted = await markPosted(status.reference!);
    expect(posted.body.results[0].oppositionDeadline).toBe(addDays(await workflowToday(), 30));
    await stageOf(handle, 'awaiting_opposition');
    await recordHistory('admin-registration-overdue-posted', handle);
  });

  it('deleting the account during the window ends the workflow', async () => {
    const { account, handle, establishment, token } = await promoteUser();
    const reference = (await stageOf(handle, 'letter_waiting')).reference!;
    await markPosted(reference);
    await stageOf(handle, 'awaiting_opposition');
    const res = await call('DELETE', `/establishments/${establishment.id}/accounts/${account.id}`, { token });
    expect(res.status).toBe(204);
    expect(await handle.result()).toBe('cancelled');
    expect((await registrationOf(account.id)).status).toBe('cancelled');
    expect((await oppose({ reference }, await workflowToday())).body.code).toBe('registration_settled');
    await recordHistory('admin-registration-deleted', handle);
  });
});
