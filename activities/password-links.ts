import { ApplicationFailure } from '@temporalio/activity';
import { findAccountWithEstablishment, lockAccountRow, setAccountColumns } from '../db/queries/accounts';
import { hasAuditEntry, recordAudit } from '../db/queries/audit';
import { lockWorkflowLink, revokeWorkflowLinks, storeNewestLink, useLink } from '../db/queries/one-time-tokens';
import { revokeAccountSessions } from '../db/queries/sessions';
import { derivedToken, hashToken } from '../security/tokens';
import type { ActivityDeps } from './deps';
import { passwordCreationEmail, passwordResetEmail } from './emails/templates';

type Purpose = 'activation' | 'password_reset';

/** Link page for people; the token travels in the URL and nowhere else. */
export function passwordLinkUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl}/password?token=${encodeURIComponent(token)}`;
}

const AUDIT_ACTIONS = {
  activation: { sent: 'email.password_creation_sent', expired: 'activation.link_expired', done: 'account.activated' },
  password_reset: { sent: 'email.password_reset_sent', expired: 'password_reset.link_expired', done: 'account.password_reset' },
} as const;

export function createPasswordLinkActivities({ db, mailer, config }: ActivityDeps) {
  return {
    /** Retryable "not found": the creating transaction may not have committed yet. */
    async checkLinkEligibility({ purpose, accountId }: { purpose: Purpose; accountId: string }): Promise<boolean> {
      const row = await findAccountWithEstablishment(db, accountId);
      if (!row) throw ApplicationFailure.retryable(`account ${accountId} not found (yet)`, 'AccountNotFound');
      const { status } = row.account;
      return purpose === 'activation' ? status === 'pending_activation' : status === 'active';
    },

    /**
     * Issues link number `requestNo` and emails it. Idempotent: the token is derived from the request
     * key, the row is inserted once, the email carries an idempotency key. Earlier links of the same
     * purpose are revoked, so only the newest one works.
     */
    async issuePasswordLink(input: {
      purpose: Purpose;
      accountId: string;
      workflowId: string;
      requestKey: string;
      requestNo: number;
      expiresAt: string;
    }): Promise<{ tokenHash: string }> {
      const row = await findAccountWithEstablishment(db, input.accountId);
      if (!row) throw ApplicationFailure.nonRetryable(`account ${input.accountId} not found`, 'AccountNotFound');
      const { account, establishment } = row;
      const requestKey = `${input.workflowId}/${input.requestKey}`;
      const token = derivedToken(config.tokenSecret, input.purpose, requestKey);
      const tokenHash = hashToken(token);
      const expiresAt = new Date(input.expiresAt);

      await db.transaction(async (tx) => {
        await storeNewestLink(
          tx,
          { accountId: account.id, purpose: input.purpose, tokenHash, workflowId: input.workflowId, requestNo: input.requestNo, expiresAt },
          new Date(),
        );
        if (input.purpose === 'activation') await setAccountColumns(tx, account.id, { activationLinkExpiresAt: expiresAt });
      });

      const link = passwordLinkUrl(config.api.publicBaseUrl, token);
      const siteUrl = config.api.publicBaseUrl;
      let email;
      if (input.purpose === 'activation') {
        const creator = account.createdByAccountId ? (await findAccountWithEstablishment(db, account.createdByAccountId))?.account : undefined;
        email = passwordCreationEmail({
          holder: account,
          createdAt: account.createdAt,
          creator: creator ?? null,
          establishmentName: establishment.name,
          legalRepAddress: establishment.legalRepAddress,
          link,
          siteUrl,
        });
      } else {
        email = passwordResetEmail({ holder: account, loginId: account.loginId, link, siteUrl });
      }
      const idempotencyKey = `${input.purpose}/${requestKey}`;
      const sent = await mailer.send({
        to: account.email,
        ...email,
        idempotencyKey,
        tags: [{ name: 'purpose', value: input.purpose }],
      });

      // One history line per email, even if this activity is retried after the send.
      if (!(await hasAuditEntry(db, { action: AUDIT_ACTIONS[input.purpose].sent, detail: { idempotencyKey } }))) {
        await recordAudit(db, {
          actorType: 'system',
          actorLabel: input.workflowId,
          establishmentId: account.establishmentId,
          targetAccountId: account.id,
          action: AUDIT_ACTIONS[input.purpose].sent,
          outcome: 'success',
          detail: { idempotencyKey, emailId: sent.id, linkNo: input.requestNo, linkExpiresAt: input.expiresAt },
        });
      }
      return { tokenHash };
    },

    /** The workflow's timer ran out: no link of this workflow works any more. */
    async markPasswordLinkExpired({ purpose, accountId, workflowId }: { purpose: Purpose; accountId: string; workflowId: string }) {
      await db.transaction(async (tx) => {
        const revoked = await revokeWorkflowLinks(tx, { workflowId, accountId, now: new Date() });
        if (revoked === 0) return; // a retry after success
        const account = await lockAccountRow(tx, accountId);
        await recordAudit(tx, {
          actorType: 'system',
          actorLabel: workflowId,
          establishmentId: account?.establishmentId,
          targetAccountId: accountId,
          action: AUDIT_ACTIONS[purpose].expired,
          outcome: 'success',
        });
      });
    },

    /**
     * The workflow accepted the holder's link: the password the API staged on the token becomes the
     * account's. Activation also makes the account active. Idempotent on the token.
     */
    async applyStagedPassword({ purpose, accountId, tokenHash, workflowId }: { purpose: Purpose; accountId: string; tokenHash: string; workflowId: string }) {
      await db.transaction(async (tx) => {
        const token = await lockWorkflowLink(tx, { tokenHash, workflowId, accountId });
        if (!token) throw ApplicationFailure.nonRetryable('unknown link', 'LinkInvalid');
        if (token.usedAt) return; // applied by an earlier attempt
        if (!token.stagedPasswordHash) throw ApplicationFailure.nonRetryable('no password staged for this link', 'LinkInvalid');
        const account = await lockAccountRow(tx, accountId);
        const expected = purpose === 'activation' ? 'pending_activation' : 'active';
        if (!account || account.status !== expected) {
          throw ApplicationFailure.nonRetryable(`account is ${account?.status ?? 'missing'}`, 'AccountNotEligible');
        }
        const now = new Date();
        const changes = {
          passwordHash: token.stagedPasswordHash,
          passwordChangedAt: now,
          failedLoginCount: 0,
          blockedUntil: null,
          updatedAt: now,
          ...(purpose === 'activation' ? { status: 'active' as const, activationLinkExpiresAt: null } : {}),
        };
        await setAccountColumns(tx, accountId, changes);
        await useLink(tx, token, now);
        if (purpose === 'password_reset') await revokeAccountSessions(tx, accountId, now);
        await recordAudit(tx, {
          actorType: 'account',
          actorAccountId: accountId,
          actorLabel: account.loginId,
          actorEstablishmentId: account.establishmentId,
          establishmentId: account.establishmentId,
          targetAccountId: accountId,
          action: AUDIT_ACTIONS[purpose].done,
          outcome: 'success',
          before: { status: account.status },
          after: { status: purpose === 'activation' ? 'active' : account.status, passwordChanged: true },
          detail: { workflowId },
        });
      });
    },
  };
}
