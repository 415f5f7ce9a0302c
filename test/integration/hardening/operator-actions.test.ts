/**
 * What an operator does in the Temporal UI to a link workflow never leaves the admin API showing a
 * link that no longer works; a database outage never ends an activation as `account_not_eligible`;
 * the deletion signal leaves only once the deletion has committed. Real stack (dev server, worker,
 * PostgreSQL, mail sink).
 */
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { eq, sql } from 'drizzle-orm';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createPasswordLinkActivities } from '../../../activities/password-links';
import { createDatabase } from '../../../db/client';
import { auditEvents } from '../../../db/schema';
import { findFreePort } from '../../../dev/ports';
import { searchAttributes, statusQuery, workflowIds } from '../../../workflows/definitions';
import { linkReconcileWorkflow } from '../../../workflows/link-reconcile';
import { useTestApp } from '../../support/harness';
import { recordHistory } from '../../support/histories';

const t = useTestApp({ worker: true });

async function pendingAccount() {
  const est = await t.createEstablishment();
  const created = await t.createAccount(est.establishment.id, est.adminToken);
  expect(created.status).toBe(201);
  const account = created.body as { id: string; loginId: string; email: string };
  const handle = t.temporal.workflow.getHandle(workflowIds.activation(account.loginId));
  await vi.waitFor(async () => expect((await handle.query(statusQuery)).stage).toBe('link_sent'), { timeout: 20_000, interval: 200 });
  const message = await t.mail.waitFor((m) => m.to.includes(account.email), { timeoutMs: 20_000, to: account.email });
  const token = /token=([A-Za-z0-9_-]+)/.exec(message!.text ?? '')![1]!;
  const detail = () => t.request('GET', `/establishments/${est.establishment.id}/accounts/${account.id}`, { token: est.adminToken });
  return { est, account, handle, token, detail };
}

async function historyActions(accountId: string) {
  const rows = await t.db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.targetAccountId, accountId));
  return rows.map((r) => r.action);
}

describe('operator actions in the Temporal UI', () => {
  it('Request Cancellation: the link dies in the database and LifecycleState says cancelled', async () => {
    const { account, handle, token, detail } = await pendingAccount();
    expect((await detail()).body).toMatchObject({ activationLinkExpired: false });
    const validity = t.temporal.workflow.getHandle(workflowIds.validity(account.loginId));
    await expect(validity.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError); // version 5: not in the first-link phase

    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const description = await handle.describe();
    expect(description.status.name).toBe('CANCELLED');
    expect(description.typedSearchAttributes.get(searchAttributes.lifecycleState)).toBe('cancelled');
    // The account lives on, pending: the cancelled activation started its validity as it settled.
    expect((await validity.describe()).status.name).toBe('RUNNING');
    await recordHistory('activation-operator-cancelled-v5', handle);

    const after = (await detail()).body;
    expect(after.activationLinkExpired).toBe(true);
    expect(new Date(after.activationLinkExpiresAt).getTime()).toBeLessThanOrEqual(Date.now());
    expect((await t.request('GET', `/password?token=${token}`)).status).toBe(410);
    expect(await historyActions(account.id)).toContain('activation.link_cancelled');
  });

  it('Terminate: the link rattrapage revokes the link of a run that ran no code of its own', async () => {
    const { account, handle, token, detail } = await pendingAccount();
    await handle.terminate('exploitation : essai');
    // Terminated: the workflow could not say anything, its state still reads link_sent.
    expect((await handle.describe()).typedSearchAttributes.get(searchAttributes.lifecycleState)).toBe('link_sent');

    await vi.waitFor(
      async () => {
        await t.temporal.workflow.execute(linkReconcileWorkflow, { workflowId: `link-reconcile-test-${randomUUID()}`, taskQueue: t.config.temporal.taskQueue });
        expect((await detail()).body.activationLinkExpired).toBe(true);
      },
      { timeout: 30_000, interval: 500 },
    );
    expect((await t.request('GET', `/password?token=${token}`)).status).toBe(410);
    expect(await historyActions(account.id)).toContain('activation.link_cancelled');
  });

  it('Reset: the new run keeps its link; the rattrapage leaves a running workflow alone', async () => {
    const { handle, token, detail } = await pendingAccount();
    const { runId } = await handle.describe();
    const history = await handle.fetchHistory();
    const firstTaskCompleted = history.events!.find((e) => e.workflowTaskCompletedEventAttributes)!.eventId!;
    const { runId: newRunId } = await t.temporal.workflowService.resetWorkflowExecution({
      namespace: t.config.temporal.namespace,
      workflowExecution: { workflowId: handle.workflowId, runId },
      workflowTaskFinishEventId: firstTaskCompleted,
      requestId: randomUUID(),
      reason: 'exploitation : essai',
    });
    const fresh = t.temporal.workflow.getHandle(handle.workflowId, newRunId!);
    await vi.waitFor(async () => expect((await fresh.query(statusQuery)).stage).toBe('link_sent'), { timeout: 20_000, interval: 200 });
    await t.temporal.workflow.execute(linkReconcileWorkflow, { workflowId: `link-reconcile-test-${randomUUID()}`, taskQueue: t.config.temporal.taskQueue });
    // The reset run sent a new link (the old one died with it); the account shows a living link.
    expect((await detail()).body.activationLinkExpired).toBe(false);
    expect((await t.request('GET', `/password?token=${token}`)).status).toBe(410);
  });
});

describe('account creation during a database outage', () => {
  const dead = { close: async () => {} } as { close(): Promise<void> };
  afterAll(() => dead.close());

  it('a database that does not answer stays retryable; an absent row is refused for good after its attempts', async () => {
    const down = createDatabase(`postgres://peps:peps@127.0.0.1:${await findFreePort()}/peps`, { max: 1 });
    dead.close = () => down.close();
    const check = (db: typeof t.db, attempt: number, accountId: string) =>
      new MockActivityEnvironment({ attempt }).run(
        createPasswordLinkActivities({ db, mailer: undefined as never, config: t.config }).checkLinkEligibility,
        { purpose: 'activation' as const, accountId },
      );
    const outage = await check(down.db, 20, randomUUID()).catch((e: unknown) => e);
    expect(outage).toBeInstanceOf(Error);
    expect(outage instanceof ApplicationFailure && outage.nonRetryable).toBe(false);

    const absentEarly = await check(t.db, 1, randomUUID()).catch((e: unknown) => e);
    expect(absentEarly).toMatchObject({ type: 'AccountNotFound', nonRetryable: false });
    const absentLate = await check(t.db, 6, randomUUID()).catch((e: unknown) => e);
    expect(absentLate).toMatchObject({ type: 'AccountAbsent', nonRetryable: true });
  });
});

describe('deletion', () => {
  it('signals the workflows only once the deleting transaction has committed', async () => {
    const { est, account, handle } = await pendingAccount();
    const { runId } = await handle.describe();
    // A deferred constraint trigger makes this account's deletion fail at COMMIT, after every statement.
    const trigger = `refuse_commit_${account.id.replaceAll('-', '')}`;
    await t.db.execute(sql.raw(`create or replace function ${trigger}() returns trigger language plpgsql as $$ begin raise exception 'commit refused'; end $$`));
    await t.db.execute(
      sql.raw(
        `create constraint trigger ${trigger} after update on accounts deferrable initially deferred for each row ` +
          `when (new.id = '${account.id}' and new.status = 'deleted') execute function ${trigger}()`,
      ),
    );
    try {
      const refused = await t.request('DELETE', `/establishments/${est.establishment.id}/accounts/${account.id}`, { token: est.adminToken });
      expect(refused.status).toBeGreaterThanOrEqual(500);
    } finally {
      await t.db.execute(sql.raw(`drop trigger ${trigger} on accounts; drop function ${trigger}()`));
    }
    // The same run is still waiting for its holder: a resend reaches it and it sends link n°2.
    const resend = await t.request('POST', `/establishments/${est.establishment.id}/accounts/${account.id}/resend-activation`, { token: est.adminToken });
    expect(resend.status).toBeLessThan(300);
    await vi.waitFor(async () => expect((await handle.query(statusQuery)).linksSent).toBe(2), { timeout: 20_000, interval: 200 });
    expect((await handle.describe()).runId).toBe(runId);

    const deleted = await t.request('DELETE', `/establishments/${est.establishment.id}/accounts/${account.id}`, { token: est.adminToken });
    expect(deleted.status).toBe(204);
    expect(await handle.result()).toBe('cancelled');
  });
});
