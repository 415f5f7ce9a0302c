/** The validity workflows' I/O: read an account's expiry, record its expiry, reconcile, a bulk renewal's signals. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { renewalBatchPage } from '../db/queries/renewals';
import { accountsToTrack, accountValidity, recordExpiry } from '../db/queries/validity';
import { ensureValidity, signalExpiryChanged } from '../workflows/validity-client';
import type { ActivityDeps } from './deps';
import { forEachInFlight } from './in-flight';

/**
 * Temporal calls kept in flight by one activity (a new one as soon as one answers): enough to keep
 * the server's single writer busy, few enough for a small server.
 */
const CALLS_IN_FLIGHT = 50;

export function createValidityActivities({ db, config }: Pick<ActivityDeps, 'db' | 'config'>) {
  return {
    /** The stored status and expiry day, or null when the account does not exist. */
    async readAccountValidity({ accountId }: { accountId: string }) {
      return (await accountValidity(db, accountId)) ?? null;
    },

    /** Retryable "not found": the creating transaction may not have committed yet. */
    async confirmAccountCommitted({ accountId }: { accountId: string }): Promise<boolean> {
      const account = await accountValidity(db, accountId);
      if (!account) throw ApplicationFailure.retryable(`account ${accountId} not found (yet)`, 'AccountNotFound');
      return true;
    },

    /**
     * The expiry instant has come: `account.expired` in the establishment's history (actor: the
     * platform) and the holder's sessions end. Idempotent per (account, expiry day); does nothing
     * when the account was renewed or deleted meanwhile.
     */
    async recordAccountExpired(input: { accountId: string; workflowId: string; expiresOn: string; expiredAt: string }) {
      return recordExpiry(db, { ...input, now: new Date() });
    },

    /**
     * Reconcile: starts the validity workflow of each account of the page that has none running
     * (accounts created before the lifecycle existed). Idempotent: a running workflow is left as is.
     */
    async ensureValidityWorkflows(p: { afterId: string | null; limit: number }): Promise<{ checked: number; lastId: string | null }> {
      const page = await accountsToTrack(db, p);
      const target = { client: Context.current().client, taskQueue: config.temporal.taskQueue };
      await forEachInFlight(page, CALLS_IN_FLIGHT, (a) => ensureValidity(target, a, a.siret), (done) => Context.current().heartbeat(done));
      return { checked: page.length, lastId: page.at(-1)?.id ?? null };
    },

    /**
     * A page of a bulk renewal: each renewed account's validity workflow learns the expiry the
     * database holds (signalWithStart: started when missing), a few dozen calls in flight at a time.
     * Idempotent: a repeated signal of the same expiry changes nothing in the workflow.
     * `expectEntries`: the first page must find the batch, or its transaction has not committed (yet).
     */
    async signalRenewedAccounts(p: {
      batchId: string;
      establishmentId: string;
      afterAuditId: number;
      lastAuditId: number;
      limit: number;
      expectEntries: boolean;
    }): Promise<{ signalled: number; lastAuditId: number | null }> {
      const page = await renewalBatchPage(db, p);
      if (page.length === 0 && p.expectEntries) throw ApplicationFailure.retryable(`renewal batch ${p.batchId} not found (yet)`, 'BatchNotFound');
      const target = { client: Context.current().client, taskQueue: config.temporal.taskQueue };
      const alive = page.filter((a) => a.status !== 'deleted');
      await forEachInFlight(alive, CALLS_IN_FLIGHT, (a) => signalExpiryChanged(target, a, a.siret), (done) => Context.current().heartbeat(done));
      return { signalled: alive.length, lastAuditId: page.at(-1)?.auditId ?? null };
    },
  };
}
