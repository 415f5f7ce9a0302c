/** The validity workflow's I/O: read an account's expiry, record its expiry. */
import { ApplicationFailure } from '@temporalio/activity';
import { accountValidity, recordExpiry } from '../db/queries/validity';
import type { ActivityDeps } from './deps';

export function createValidityActivities({ db }: Pick<ActivityDeps, 'db'>) {
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
  };
}
