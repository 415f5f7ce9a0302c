/**
 * The account rules as a lifecycle's activity calls them (accounts/): the platform acts, named by its
 * workflow; the same refusals as in the API, as non-retryable failures typed by their code.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { AccountRuleError, applyAccountAction, deleteAction, demoteAction, demotion, platformScope, renewAction, revokeSessionsAction } from '../../../accounts';
import { asActivity, platformScopeOfActivity } from '../../../activities/account-rules';
import { useTestApp } from '../../support/harness';
import { accountRow, auditOf, expire, liveSessions } from './helpers';

const t = useTestApp();

const scopeFor = (establishmentId: string) =>
  platformScope({ workflowId: 'admin-registration-TEST', establishmentId, lifecycles: t.deps });

describe('the platform applies the account rules', () => {
  it('deletes an admin when another remains; the history names the workflow', async () => {
    const est = await t.createEstablishment();
    const opposed = await t.insertActiveAccount(est.establishment.id, { profile: 'admin' });
    await t.login(opposed.loginId);

    await applyAccountAction(t.db, scopeFor(est.establishment.id), opposed.id, deleteAction([opposed.id]));

    expect((await accountRow(t.db, opposed.id)).status).toBe('deleted');
    expect(await liveSessions(t.db, opposed.id)).toEqual([]);
    const [entry] = (await auditOf(t.db, est.establishment.id)).filter((e) => e.action === 'account.delete');
    expect(entry).toMatchObject({ actorType: 'system', actorLabel: 'admin-registration-TEST', targetAccountId: opposed.id, outcome: 'success', requestId: null });
  });

  it('refuses to delete or demote the last active admin, and changes nothing', async () => {
    const est = await t.createEstablishment();
    const scope = scopeFor(est.establishment.id);
    for (const action of [deleteAction([est.admin.id]), demoteAction]) {
      const refusal = await applyAccountAction(t.db, scope, est.admin.id, action).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(AccountRuleError);
      expect(refusal).toMatchObject({ code: 'last_active_admin', retryable: false });
    }
    expect(await accountRow(t.db, est.admin.id)).toMatchObject({ status: 'active', profile: 'admin' });
  });

  it('demotes an admin to user and ends their sessions', async () => {
    const est = await t.createEstablishment();
    const other = await t.insertActiveAccount(est.establishment.id, { profile: 'admin' });
    await t.login(other.loginId);

    const account = await applyAccountAction(t.db, scopeFor(est.establishment.id), other.id, demoteAction);

    expect(account.profile).toBe('user');
    expect(await accountRow(t.db, other.id)).toMatchObject({ profile: 'user', adminSince: null });
    expect(await liveSessions(t.db, other.id)).toEqual([]);
    const entries = (await auditOf(t.db, est.establishment.id)).filter((e) => e.action === 'account.demote');
    expect(entries).toMatchObject([{ before: { profile: 'admin' }, after: { profile: 'user', adminSince: null } }]);
  });

  it('an opposition prevails over expiry: an expired admin is demoted or deleted, where ordinary rules refuse', async () => {
    const est = await t.createEstablishment();
    const promoted = await t.insertActiveAccount(est.establishment.id, { profile: 'admin' });
    const created = await t.insertActiveAccount(est.establishment.id, { profile: 'admin' });
    await expire(t.db, promoted.id);
    await expire(t.db, created.id);
    const scope = scopeFor(est.establishment.id);

    const refusal = await applyAccountAction(t.db, scope, promoted.id, demoteAction).catch((e: unknown) => e);
    expect(refusal).toMatchObject({ code: 'account_expired' });

    await applyAccountAction(t.db, scope, promoted.id, demotion({ evenLastAdmin: true }));
    await applyAccountAction(t.db, scope, created.id, deleteAction([created.id], { evenLastAdmin: true }));
    expect(await accountRow(t.db, promoted.id)).toMatchObject({ profile: 'user' });
    expect(await accountRow(t.db, created.id)).toMatchObject({ status: 'deleted' });
  });

  it('revokes sessions (even of an expired account) and renews; an expired account refuses the rest', async () => {
    const est = await t.createEstablishment();
    const user = await t.insertActiveAccount(est.establishment.id);
    await t.login(user.loginId);
    await expire(t.db, user.id);
    const scope = scopeFor(est.establishment.id);

    await applyAccountAction(t.db, scope, user.id, revokeSessionsAction);
    expect(await liveSessions(t.db, user.id)).toEqual([]);
    await expect(applyAccountAction(t.db, scope, user.id, demoteAction)).rejects.toMatchObject({ code: 'account_expired' });
    const renewed = await applyAccountAction(t.db, scope, user.id, renewAction);
    expect(renewed.status).toBe('active');
    const actions = (await auditOf(t.db, est.establishment.id)).filter((e) => e.targetAccountId === user.id && e.actorType === 'system').map((e) => e.action);
    expect(actions).toEqual(['account.revoke_sessions', 'account.renew']);
  });

  it('inside an activity: the workflow is the actor, a refusal is a non-retryable failure with its code', async () => {
    const est = await t.createEstablishment();
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: 'terms-2026-TEST', runId: 'run' } }, { client: t.temporal });
    const failure = await env
      .run(() => asActivity(() => applyAccountAction(t.db, platformScopeOfActivity(t.config, est.establishment.id), est.admin.id, deleteAction([est.admin.id]))))
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'last_active_admin', nonRetryable: true });
    const refusedBy = await env.run(async () => platformScopeOfActivity(t.config, est.establishment.id).actor);
    expect(refusedBy).toEqual({ type: 'platform', workflowId: 'terms-2026-TEST' });
  });
});
