/**
 * The operator's validity endpoints with a real worker, on a database of their own (the reconcile and
 * the reminder run read every establishment): renewing an admin nobody else can renew, the reconcile
 * on demand, and the reminder run of a month, which a second request does not send twice.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { accounts, auditEvents } from '../../db/schema';
import { addDays, expiryFrom, monthBounds, parisDay } from '../../domain/dates';
import { searchAttributes, workflowIds } from '../../workflows/definitions';
import { recordHistory } from '../support/histories';
import { useTestApp } from '../support/harness';

const t = useTestApp({ worker: true, ownDatabase: true });
const operator = () => t.config.operatorToken;

async function entries(action: string, establishmentId?: string) {
  return t.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.action, action), establishmentId ? eq(auditEvents.establishmentId, establishmentId) : undefined));
}

describe('operator and validity', () => {
  it("renews an expired admin (every admin expired), refuses a user's account, and is for the operator only", async () => {
    const est = await t.createEstablishment();
    const expiredOn = addDays(parisDay(new Date()), -2);
    await t.db.update(accounts).set({ expiresOn: expiredOn }).where(eq(accounts.id, est.admin.id));
    const user = await t.insertActiveAccount(est.establishment.id);
    const path = (id: string) => `/operator/establishments/${est.establishment.id}/accounts/${id}/renew`;

    expect((await t.request('POST', path(est.admin.id), { token: est.adminToken })).status).toBe(401);
    const other = await t.createEstablishment();
    expect((await t.request('POST', `/operator/establishments/${other.establishment.id}/accounts/${est.admin.id}/renew`, { token: operator() })).status).toBe(404);

    const res = await t.request('POST', path(est.admin.id), { token: operator() });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: est.admin.id, expiresOn: expiryFrom(parisDay(new Date())), status: 'active' });
    const [entry, ...more] = (await entries('account.renew', est.establishment.id)).filter((e) => e.outcome === 'success');
    expect(more).toHaveLength(0);
    expect(entry).toMatchObject({ actorType: 'operator', actorLabel: 'DRS', targetAccountId: est.admin.id, before: { expiresOn: expiredOn, status: 'expired' } });
    const validity = await t.temporal.workflow.getHandle(workflowIds.validity(est.admin.loginId)).describe();
    expect(validity.typedSearchAttributes.get(searchAttributes.accountLoginId)).toBe(est.admin.loginId);

    const refused = await t.request('POST', path(user.id), { token: operator() });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'account_not_admin' });
    const [userRow] = await t.db.select({ expiresOn: accounts.expiresOn }).from(accounts).where(eq(accounts.id, user.id));
    expect(userRow!.expiresOn).not.toBe(expiredOn);
  });

  it('runs the reconcile on demand: an account without a validity workflow gets one, a pending one too', async () => {
    const est = await t.createEstablishment();
    const old = await t.insertActiveAccount(est.establishment.id);
    // Created through the API: its activation (version 5) starts no validity while its first link lives.
    const created = await t.createAccount(est.establishment.id, est.adminToken);
    expect(created.status).toBe(201);
    const pending = created.body as { loginId: string; email: string };
    await t.mail.waitFor((m) => m.to.includes(pending.email), { timeoutMs: 20_000, to: pending.email });
    await expect(t.temporal.workflow.getHandle(workflowIds.validity(pending.loginId)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    const res = await t.request('POST', '/operator/validity/reconcile', { token: operator() });
    expect(res.status).toBe(202);
    expect(res.body.workflowId).toBe(workflowIds.validityReconcile());
    const run = t.temporal.workflow.getHandle(res.body.workflowId, res.body.runId);
    expect(await run.result()).toBeGreaterThanOrEqual(3);
    for (const account of [old, pending]) {
      const described = await t.temporal.workflow.getHandle(workflowIds.validity(account.loginId)).describe();
      expect(described.status.name).toBe('RUNNING');
    }
    expect((await entries('validity.reconcile')).map((e) => e.detail)).toContainEqual({ workflowId: res.body.workflowId, runId: res.body.runId });
    await recordHistory('validity-reconcile', run);
  });

  it('runs the reminder of a month; a second request sends nothing twice; a bad month is refused', async () => {
    // A month of its own, far away, so that nothing else in this database expires then.
    const expiryMonth = `20${40 + Math.floor(Math.random() * 50)}-0${1 + Math.floor(Math.random() * 9)}`;
    const est = await t.createEstablishment({ name: 'COMMUNE DU RAPPEL DEMANDÉ' });
    const expiring = await t.insertActiveAccount(est.establishment.id, { expiresOn: monthBounds(expiryMonth).first, lastName: 'Échéance' });
    const [admin] = await t.db.select({ email: accounts.email }).from(accounts).where(eq(accounts.id, est.admin.id));

    const first = await t.request('POST', '/operator/validity/reminders', { token: operator(), body: { expiryMonth } });
    expect(first.status).toBe(202);
    expect(first.body.workflowId).toBe(workflowIds.validityReminderRun(expiryMonth));
    const firstRun = t.temporal.workflow.getHandle(first.body.workflowId, first.body.runId);
    expect(await firstRun.result()).toMatchObject({ establishments: 1, emailsSent: 1, accounts: 1 });
    const mails = await t.mail.list({ to: admin!.email });
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain(expiring.loginId);
    await recordHistory('validity-reminders-run-in-flight', firstRun);

    const second = await t.request('POST', '/operator/validity/reminders', { token: operator(), body: { expiryMonth } });
    expect(await t.temporal.workflow.getHandle(second.body.workflowId, second.body.runId).result()).toMatchObject({ establishments: 1, emailsSent: 0 });
    expect(await t.mail.list({ to: admin!.email })).toHaveLength(1);
    const requested = (await entries('validity.reminders')).filter((e) => (e.detail as { expiryMonth?: string } | null)?.expiryMonth === expiryMonth);
    expect(requested).toHaveLength(2);
    expect(requested[0]).toMatchObject({ actorType: 'operator', actorLabel: 'DRS', outcome: 'success' });

    const bad = await t.request('POST', '/operator/validity/reminders', { token: operator(), body: { expiryMonth: '2026-13' } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    expect((await entries('validity.reminders')).filter((e) => e.outcome === 'success')).toHaveLength(2);
  });
});
