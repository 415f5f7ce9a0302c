import { ApplicationFailure } from '@temporalio/activity';
import { findAccountWithEstablishment } from '../db/queries/accounts';
import { recordAudit } from '../db/queries/audit';
import type { ActivityDeps } from './deps';
import { loginIdReminderEmail } from './emails/templates';

export function createLoginIdReminderActivities({ db, mailer, config }: ActivityDeps) {
  return {
    async sendLoginIdReminder({ accountId, requestId }: { accountId: string; requestId: string }) {
      const row = await findAccountWithEstablishment(db, accountId);
      if (!row) throw ApplicationFailure.nonRetryable(`account ${accountId} not found`, 'AccountNotFound');
      // One key per request and account: two accounts sharing an address get one email each, and the
      // provider never sees the same key with another message (a permanent refusal).
      const idempotencyKey = `login-id-reminder/${requestId}/${accountId}`;
      const sent = await mailer.send({
        to: row.account.email,
        ...loginIdReminderEmail({
          holder: row.account,
          loginId: row.account.loginId,
          establishmentName: row.establishment.name,
          siteUrl: config.api.publicBaseUrl,
        }),
        idempotencyKey,
        tags: [{ name: 'purpose', value: 'login_id_reminder' }],
      });
      await recordAudit(db, {
        actorType: 'system',
        establishmentId: row.account.establishmentId,
        targetAccountId: accountId,
        action: 'email.login_id_reminder_sent',
        outcome: 'success',
        detail: { idempotencyKey, emailId: sent.id },
      });
    },
  };
}
