/**
 * The delegation lifecycle on Temporal's time-skipping test server: days pass in milliseconds.
 * Real activities, real PostgreSQL, real mail sink.
 */
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { and, asc, eq, like } from 'drizzle-orm';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { answerDelegation, endDelegation, startDelegation } from '../../api/delegation-lifecycle';
import { findDelegation, hasAcceptedDelegation, insertDelegationRequest } from '../../db/queries/delegations';
import { auditEvents } from '../../db/schema';
import { createMailSinkClient } from '../../dev/mail-sink';
import { delegationStatusQuery, workflowIds } from '../../workflows/definitions';
import { insertAccount, insertEstablishment } from '../support/fixtures';
import { recordHistory } from '../support/histories';
import { useTimeSkippingStack } from '../support/time-skipping';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

let plain: Client;
const mail = () => createMailSinkClient(inject('stack').mailSinkUrl);

const ts = useTimeSkippingStack({ name: 'delegation' });
beforeAll(() => {
  plain = new Client({ connection: ts.env.connection, namespace: ts.env.namespace });
});


/** A central establishment A and an establishment B attached to it, one active admin each, and A's request to B. */
async function requested() {
  const central = await insertEstablishment(ts.deps.db);
  const delegating = await insertEstablishment(ts.deps.db, { centralEstablishmentId: central.id });
  const centralAdmin = await insertAccount(ts.deps.db, central.id, { profile: 'admin' });
  const delegatingAdmin = await insertAccount(ts.deps.db, delegating.id, { profile: 'admin' });
  const workflowId = workflowIds.delegation(central.siret, delegating.siret);
  const row = await insertDelegationRequest(ts.deps.db, {
    centralEstablishmentId: central.id,
    delegatingEstablishmentId: delegating.id,
    workflowId,
    requestedByAccountId: centralAdmin.id,
    now: new Date(),
  });
  expect(await startDelegation(ts.deps, { id: row.id, centralSiret: central.siret, delegatingSiret: delegating.siret })).toBe('started');
  // Not the time-skipping client: its result() skips time while it waits, and an accepted delegation
  // has no timer to skip to, so the server would jump to the end of time. Tests move time with ts.env.sleep.
  const handle = plain.workflow.getHandle(workflowId);
  // The request email reaches the delegating establishment's admin.
  await mail().waitFor((m) => m.subject.includes('demande de délégation de gestion'), { to: delegatingAdmin.email, timeoutMs: 20_000 });
  return { central, delegating, centralAdmin, delegatingAdmin, workflowId, delegationId: row.id, handle };
}

async function subjectsTo(email: string): Promise<string[]> {
  return (await mail().list({ to: email })).map((m) => m.subject).reverse();
}

async function delegationHistory(establishmentId: string) {
  return ts.deps.db
    .select({ action: auditEvents.action, actorAccountId: auditEvents.actorAccountId, detail: auditEvents.detail })
    .from(auditEvents)
    .where(and(eq(auditEvents.establishmentId, establishmentId), like(auditEvents.action, '%delegation%')))
    .orderBy(asc(auditEvents.id));
}

describe('delegation workflow (time skipping)', () => {
  it('request → accept → end by the central establishment', async () => {
    const p = await requested();
    expect(await answerDelegation(ts.deps, p.workflowId, { delegationId: p.delegationId, decision: 'accept', accountId: p.delegatingAdmin.id })).toBe('accepted');
    // Recorded before the answer returns: access is open at once.
    expect(await hasAcceptedDelegation(ts.deps.db, p.central.id, p.delegating.id)).toBe(true);
    expect(await findDelegation(ts.deps.db, p.delegationId)).toMatchObject({ status: 'accepted', decidedByAccountId: p.delegatingAdmin.id });

    await ts.env.sleep(90 * DAY); // an accepted delegation does not lapse
    expect((await p.handle.query(delegationStatusQuery)).stage).toBe('accepted');

    expect(await endDelegation(ts.deps, p.workflowId, { delegationId: p.delegationId, reason: 'ended_by_central', accountId: p.centralAdmin.id })).toBe('ended');
    expect(await hasAcceptedDelegation(ts.deps.db, p.central.id, p.delegating.id)).toBe(false);
    expect(await p.handle.result()).toBe('ended');
    expect(await findDelegation(ts.deps.db, p.delegationId)).toMatchObject({ status: 'ended', endReason: 'ended_by_central', endedByAccountId: p.centralAdmin.id });

    expect(await subjectsTo(p.centralAdmin.email)).toEqual([
      'Accès multicomptes : délégation de gestion acceptée',
      'Accès multicomptes : fin de la délégation de gestion',
    ]);
    expect(await subjectsTo(p.delegatingAdmin.email)).toEqual([
      'Accès multicomptes : demande de délégation de gestion',
      'Accès multicomptes : délégation de gestion acceptée',
      'Accès multicomptes : fin de la délégation de gestion',
    ]);
    for (const side of [p.central.id, p.delegating.id]) {
      const actions = (await delegationHistory(side)).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['delegation.accepted', 'email.delegation_accepted_sent', 'delegation.ended', 'email.delegation_ended_sent']));
    }
    expect((await delegationHistory(p.delegating.id)).map((e) => e.action)).toContain('email.delegation_requested_sent');
    await recordHistory('delegation-accepted-then-ended', p.handle);
  });

  it('request → accept → end by the delegating establishment', async () => {
    const p = await requested();
    await answerDelegation(ts.deps, p.workflowId, { delegationId: p.delegationId, decision: 'accept', accountId: p.delegatingAdmin.id });
    expect(await endDelegation(ts.deps, p.workflowId, { delegationId: p.delegationId, reason: 'ended_by_delegating', accountId: p.delegatingAdmin.id })).toBe('ended');
    expect(await hasAcceptedDelegation(ts.deps.db, p.central.id, p.delegating.id)).toBe(false);
    expect(await p.handle.result()).toBe('ended');
    // A second end, or an answer, changes nothing.
    expect(await endDelegation(ts.deps, p.workflowId, { delegationId: p.delegationId, reason: 'ended_by_central', accountId: p.centralAdmin.id })).toBeNull();
    expect(await findDelegation(ts.deps.db, p.delegationId)).toMatchObject({ status: 'ended', endReason: 'ended_by_delegating' });
  });

  it('request → refuse: both sides are told, the central establishment gets no access', async () => {
    const p = await requested();
    expect(await answerDelegation(ts.deps, p.workflowId, { delegationId: p.delegationId, decision: 'refuse', accountId: p.delegatingAdmin.id })).toBe('refused');
    expect(await p.handle.result()).toBe('refused');
    expect(await hasAcceptedDelegation(ts.deps.db, p.central.id, p.delegating.id)).toBe(false);
    expect(await findDelegation(ts.deps.db, p.delegationId)).toMatchObject({ status: 'refused', decidedByAccountId: p.delegatingAdmin.id });
    expect(await subjectsTo(p.centralAdmin.email)).toEqual(['Accès multicomptes : délégation de gestion refusée']);
    expect((await subjectsTo(p.delegatingAdmin.email)).at(-1)).toBe('Accès multicomptes : délégation de gestion refusée');
    const refusal = (await delegationHistory(p.central.id)).find((e) => e.action === 'delegation.refused');
    expect(refusal).toMatchObject({ actorAccountId: p.delegatingAdmin.id, detail: { delegationId: p.delegationId } });
    await recordHistory('delegation-refused', p.handle);
  });

  it('request → a reminder 7 days before the lapse → lapses after 30 days', async () => {
    const p = await requested();
    const { lapsesAt, requestedAt } = await p.handle.query(delegationStatusQuery);
    expect(Date.parse(lapsesAt) - Date.parse(requestedAt)).toBe(30 * DAY);

    await ts.env.sleep(23 * DAY + MINUTE); // day 23: the reminder has gone
    await mail().waitFor((m) => m.subject.startsWith('Rappel'), { to: p.delegatingAdmin.email, timeoutMs: 20_000 });
    const status = await p.handle.query(delegationStatusQuery);
    expect(status.stage).toBe('requested');
    const remindedAfter = Date.parse(status.reminderSentAt!) - Date.parse(requestedAt);
    expect(remindedAfter).toBeGreaterThanOrEqual(23 * DAY);
    expect(remindedAfter).toBeLessThan(23 * DAY + MINUTE);

    await ts.env.sleep(7 * DAY); // day 30 and a minute
    expect(await p.handle.result()).toBe('lapsed');
    expect(await findDelegation(ts.deps.db, p.delegationId)).toMatchObject({ status: 'lapsed' });
    expect(await answerDelegation(ts.deps, p.workflowId, { delegationId: p.delegationId, decision: 'accept', accountId: p.delegatingAdmin.id })).toBeNull();
    expect(await subjectsTo(p.delegatingAdmin.email)).toEqual([
      'Accès multicomptes : demande de délégation de gestion',
      'Rappel : une demande de délégation de gestion attend votre réponse',
      'Accès multicomptes : demande de délégation de gestion sans réponse',
    ]);
    expect(await subjectsTo(p.centralAdmin.email)).toEqual(['Accès multicomptes : demande de délégation de gestion sans réponse']);
    expect((await delegationHistory(p.delegating.id)).map((e) => e.action)).toEqual([
      'email.delegation_requested_sent',
      'email.delegation_reminder_sent',
      'delegation.lapsed',
      'email.delegation_lapsed_sent',
    ]);
    await recordHistory('delegation-lapsed', p.handle);
  });

  it('a second request while one is pending starts no second workflow', async () => {
    const p = await requested();
    const { runId } = await p.handle.describe();
    // The database refuses a second living request for the pair...
    await expect(
      insertDelegationRequest(ts.deps.db, {
        centralEstablishmentId: p.central.id,
        delegatingEstablishmentId: p.delegating.id,
        workflowId: p.workflowId,
        requestedByAccountId: p.centralAdmin.id,
        now: new Date(),
      }),
    ).rejects.toThrow();
    // ...and Temporal a second run under the pair's ID.
    expect(await startDelegation(ts.deps, { id: randomUUID(), centralSiret: p.central.siret, delegatingSiret: p.delegating.siret })).toBe('already_running');
    expect((await p.handle.describe()).runId).toBe(runId);
    expect((await p.handle.query(delegationStatusQuery)).delegationId).toBe(p.delegationId);
    await endDelegation(ts.deps, p.workflowId, { delegationId: p.delegationId, reason: 'ended_by_central', accountId: p.centralAdmin.id });
  });

  it('an acceptance and a refusal arriving together settle once', async () => {
    const p = await requested();
    const other = await insertAccount(ts.deps.db, p.delegating.id, { profile: 'admin' });
    const answers = await Promise.all([
      answerDelegation(ts.deps, p.workflowId, { delegationId: p.delegationId, decision: 'accept', accountId: p.delegatingAdmin.id }),
      answerDelegation(ts.deps, p.workflowId, { delegationId: p.delegationId, decision: 'refuse', accountId: other.id }),
    ]);
    const winners = answers.filter((a) => a !== null);
    expect(winners).toHaveLength(1);
    const row = await findDelegation(ts.deps.db, p.delegationId);
    expect(row!.status).toBe(winners[0]);
    const settled = (await delegationHistory(p.delegating.id)).filter((e) => e.action === 'delegation.accepted' || e.action === 'delegation.refused');
    expect(settled).toHaveLength(1);
    if (row!.status === 'accepted') await endDelegation(ts.deps, p.workflowId, { delegationId: p.delegationId, reason: 'ended_by_central' });
    expect(['ended', 'refused']).toContain(await p.handle.result());
  });

  it('removing the attachment ends a pending request too (the operator is named)', async () => {
    const p = await requested();
    expect(await endDelegation(ts.deps, p.workflowId, { delegationId: p.delegationId, reason: 'attachment_removed' })).toBe('ended');
    expect(await p.handle.result()).toBe('ended');
    const ended = (await delegationHistory(p.central.id)).find((e) => e.action === 'delegation.ended');
    expect(ended).toBeTruthy();
    const [entry] = await ts.deps.db
      .select({ actorType: auditEvents.actorType, actorLabel: auditEvents.actorLabel })
      .from(auditEvents)
      .where(and(eq(auditEvents.establishmentId, p.delegating.id), eq(auditEvents.action, 'delegation.ended')));
    expect(entry).toEqual({ actorType: 'operator', actorLabel: 'DRS' });
    // A new request after the end is a new run under the same ID.
    const next = await insertDelegationRequest(ts.deps.db, {
      centralEstablishmentId: p.central.id,
      delegatingEstablishmentId: p.delegating.id,
      workflowId: p.workflowId,
      requestedByAccountId: p.centralAdmin.id,
      now: new Date(),
    });
    const { runId } = await p.handle.describe();
    expect(await startDelegation(ts.deps, { id: next.id, centralSiret: p.central.siret, delegatingSiret: p.delegating.siret })).toBe('started');
    const fresh = plain.workflow.getHandle(p.workflowId);
    expect((await fresh.describe()).runId).not.toBe(runId);
    expect((await fresh.query(delegationStatusQuery)).delegationId).toBe(next.id);
    await endDelegation(ts.deps, p.workflowId, { delegationId: next.id, reason: 'ended_by_central', accountId: p.centralAdmin.id });
    expect(await fresh.result()).toBe('ended');
  });
});
