/**
 * Bulk renewal through the API with a real worker: one transaction renews the selection set-based and
 * writes one history entry per account; one workflow then tells every validity workflow of its new
 * expiry (ExpiresAt moves), off the request path. The preview says the guide's sentence and changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { platformScope, renewSelection } from '../../accounts';
import type { LifecycleDeps } from '../../accounts/lifecycles';
import { ensureValidity } from '../../workflows/validity-client';
import { accounts, auditEvents } from '../../db/schema';
import { addDays, expiryFrom, expiryInstant, frenchDate, parisDay } from '../../domain/dates';
import { searchAttributes, workflowIds } from '../../workflows/definitions';
import { recordHistory } from '../support/histories';
import { useTestApp } from '../support/harness';

const t = useTestApp({ worker: true });
const base = (establishmentId: string) => `/establishments/${establishmentId}/accounts`;

/** Waits until the account's validity workflow shows `expiresOn` in its ExpiresAt search attribute. */
async function expiresAtOf(loginId: string, expiresOn: string) {
  const handle = t.temporal.workflow.getHandle(workflowIds.validity(loginId));
  let seen: string | undefined;
  for (let i = 0; i < 200; i++) {
    seen = (await handle.describe().catch(() => undefined))?.typedSearchAttributes.get(searchAttributes.expiresAt)?.toISOString();
    if (seen === expiryInstant(expiresOn).toISOString()) return seen;
    await new Promise((r) => setTimeout(r, 150));
  }
  return seen;
}

async function renewEntries(ids: string[]) {
  return t.db.select().from(auditEvents).where(and(inArray(auditEvents.targetAccountId, ids), eq(auditEvents.action, 'account.renew')));
}

describe('bulk renewal', () => {
  it('renews every account of the establishment in one transaction and moves every validity workflow', async () => {
    const est = await t.createEstablishment();
    const today = parisDay(new Date());
    const soon = addDays(today, 20);
    const expired = addDays(today, -3);
    const users = [
      await t.insertActiveAccount(est.establishment.id, { expiresOn: soon }),
      await t.insertActiveAccount(est.establishment.id, { expiresOn: expired }),
      await t.insertActiveAccount(est.establishment.id, { expiresOn: soon, status: 'pending_activation' }),
    ];
    // Validity workflows as creation (or the reconcile) would have started them; the last account has none (from before the lifecycle).
    const target = { client: t.temporal, taskQueue: t.deps.config.temporal.taskQueue };
    for (const [u, expiresOn] of [[users[0]!, soon], [users[1]!, expired]] as const) {
      await ensureValidity(target, { id: u.id, loginId: u.loginId, expiresOn }, est.establishment.siret);
    }
    const withoutWorkflow = await t.insertActiveAccount(est.establishment.id, { expiresOn: soon });
    const deleted = await t.insertActiveAccount(est.establishment.id, { status: 'deleted', deletedAt: new Date() });
    const everyone = [est.admin, ...users, withoutWorkflow];

    const preview = await t.request('POST', `${base(est.establishment.id)}/renewal-preview`, { token: est.adminToken, body: { all: true } });
    const renewedTo = expiryFrom(today);
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      count: 5,
      expiresOn: renewedTo,
      notFound: [],
      message: `Vous allez renouveler les droits pour : 5 utilisateurs jusqu'au ${frenchDate(renewedTo)}`,
    });
    expect(await renewEntries(everyone.map((a) => a.id))).toHaveLength(0);

    const res = await t.request('POST', `${base(est.establishment.id)}/bulk-renew`, { token: est.adminToken, body: { all: true } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ done: 5, refused: 0, expiresOn: renewedTo });
    expect(new Set(res.body.results.map((r: { id: string }) => r.id))).toEqual(new Set(everyone.map((a) => a.id)));
    expect(res.body.results.every((r: { outcome: string }) => r.outcome === 'done')).toBe(true);

    const rows = await t.db.select({ id: accounts.id, expiresOn: accounts.expiresOn }).from(accounts).where(eq(accounts.establishmentId, est.establishment.id));
    for (const row of rows) if (row.id !== deleted.id) expect(row.expiresOn).toBe(renewedTo);
    const entries = await renewEntries(everyone.map((a) => a.id));
    expect(entries).toHaveLength(5);
    const ofExpired = entries.find((e) => e.targetAccountId === users[1]!.id)!;
    expect(ofExpired).toMatchObject({
      actorType: 'account',
      actorAccountId: est.admin.id,
      establishmentId: est.establishment.id,
      outcome: 'success',
      before: { expiresOn: expired, status: 'expired' },
      after: { expiresOn: renewedTo, status: 'active' },
    });
    expect(new Set(entries.map((e) => (e.detail as { batch: string }).batch)).size).toBe(1);
    expect(await renewEntries([deleted.id])).toHaveLength(0);

    // Off the request path: one workflow signals them all, and each validity workflow follows.
    const signals = t.temporal.workflow.getHandle(res.body.signalsWorkflowId);
    expect(await signals.result()).toEqual({ signalled: 5 });
    for (const account of everyone) expect(await expiresAtOf(account.loginId, renewedTo), account.loginId).toBe(expiryInstant(renewedTo).toISOString());
    await recordHistory('validity-renewal-signals', signals);
  });

  it('a selection: ids of another establishment are refused and recorded, the rest renewed; bad bodies change nothing', async () => {
    const est = await t.createEstablishment();
    const other = await t.createEstablishment();
    const mine = await t.insertActiveAccount(est.establishment.id, { expiresOn: addDays(parisDay(new Date()), 40) });
    const theirs = await t.insertActiveAccount(other.establishment.id, { expiresOn: addDays(parisDay(new Date()), 40) });
    const unknown = randomUUID();

    const preview = await t.request('POST', `${base(est.establishment.id)}/renewal-preview`, {
      token: est.adminToken,
      body: { ids: [mine.id, theirs.id, unknown] },
    });
    expect(preview.body).toMatchObject({ count: 1, notFound: [theirs.id, unknown] });
    expect(preview.body.message).toMatch(/^Vous allez renouveler les droits pour : 1 utilisateur jusqu'au \d\d\/\d\d\/\d{4}$/);

    const res = await t.request('POST', `${base(est.establishment.id)}/bulk-renew`, { token: est.adminToken, body: { ids: [mine.id, theirs.id, mine.id, unknown] } });
    expect(res.body).toMatchObject({
      done: 1,
      refused: 2,
      results: [
        { id: mine.id, loginId: mine.loginId, outcome: 'done' },
        { id: theirs.id, outcome: 'refused', code: 'not_found' },
        { id: unknown, outcome: 'refused', code: 'not_found' },
      ],
    });
    expect(res.body.results[1].loginId).toBeUndefined();
    const [theirsRow] = await t.db.select({ expiresOn: accounts.expiresOn }).from(accounts).where(eq(accounts.id, theirs.id));
    expect(theirsRow!.expiresOn).not.toBe(res.body.expiresOn);
    const refusals = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.establishmentId, est.establishment.id), eq(auditEvents.action, 'account.renew'), eq(auditEvents.outcome, 'refused')));
    expect(refusals.map((e) => (e.detail as { accountId: string }).accountId).sort()).toEqual([theirs.id, unknown].sort());
    expect(refusals.every((e) => e.targetAccountId === null)).toBe(true);

    for (const body of [{}, { all: true, ids: [mine.id] }, { all: false }, { ids: [] }]) {
      const bad = await t.request('POST', `${base(est.establishment.id)}/bulk-renew`, { token: est.adminToken, body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.body.code).toBe('validation_failed');
    }
    expect(await renewEntries([mine.id])).toHaveLength(1);
  });

  it('when Temporal refuses the signals workflow, nothing is renewed (service_unavailable)', async () => {
    const est = await t.createEstablishment();
    const account = await t.insertActiveAccount(est.establishment.id, { expiresOn: addDays(parisDay(new Date()), 10) });
    const down = {
      temporal: { workflow: { start: async () => Promise.reject(new Error('Temporal injoignable')) } },
      config: t.config,
    } as unknown as LifecycleDeps;
    const scope = platformScope({ workflowId: 'test-outage', establishmentId: est.establishment.id, lifecycles: down });
    await expect(renewSelection(t.db, scope, { all: true })).rejects.toMatchObject({ code: 'service_unavailable' });
    const [row] = await t.db.select({ expiresOn: accounts.expiresOn }).from(accounts).where(eq(accounts.id, account.id));
    expect(row!.expiresOn).toBe(addDays(parisDay(new Date()), 10));
    expect(await renewEntries([account.id, est.admin.id])).toHaveLength(0);
  });
});
