/** The monthly reminder's I/O: which establishments to remind, and one establishment's emails. */
import { Context } from '@temporalio/activity';
import { listActiveAdmins } from '../db/queries/accounts';
import { recordAudit } from '../db/queries/audit';
import { accountsExpiring, claimReminder, establishmentsWithExpiries, findEstablishmentName, markReminderSent } from '../db/queries/expiry-reminders';
import { frenchMonth, monthBounds, parisDay } from '../domain/dates';
import type { ActivityDeps } from './deps';
import { expiryReminderEmail } from './emails/templates';

/** Accounts expired in the past months are listed apart, at most this many (the list page shows them all). */
const EXPIRED_LISTED = 100;

export function createExpiryReminderActivities({ db, mailer, config }: ActivityDeps) {
  return {
    /** A page of establishments with accounts expiring in `expiryMonth`, in id order after `afterId`. */
    async listReminderEstablishments(p: { expiryMonth: string; afterId: string | null; limit: number }): Promise<string[]> {
      return establishmentsWithExpiries(db, { ...monthBounds(p.expiryMonth), afterId: p.afterId, limit: p.limit });
    },

    /**
     * One email per active admin of the establishment, listing its accounts expiring in `expiryMonth`.
     * Idempotent per (establishment, month, recipient): a row is claimed before sending, the provider
     * de-duplicates a re-send after a crash by the same idempotency key, and a sent row is never sent again.
     */
    async sendEstablishmentReminder(p: { establishmentId: string; expiryMonth: string }) {
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? 'validity-reminders';
      const now = new Date();
      const establishment = await findEstablishmentName(db, p.establishmentId);
      const expiring = await accountsExpiring(db, { establishmentId: p.establishmentId, ...monthBounds(p.expiryMonth) });
      if (!establishment || expiring.length === 0) return { sent: 0, admins: 0, accounts: 0, everyAdminExpires: false };
      const admins = await listActiveAdmins(db, { establishmentId: p.establishmentId, today: parisDay(now), now });
      const expiringIds = new Set(expiring.map((a) => a.id));
      const everyAdminExpires = admins.length > 0 && admins.every((a) => expiringIds.has(a.id));
      const alreadyExpired = await accountsExpiring(db, { establishmentId: p.establishmentId, before: parisDay(now), limit: EXPIRED_LISTED });

      let sent = 0;
      for (const admin of admins) {
        const key = { establishmentId: p.establishmentId, expiryMonth: p.expiryMonth, recipientAccountId: admin.id };
        const idempotencyKey = `validity-reminder/${p.establishmentId}/${p.expiryMonth}/${admin.id}`;
        if ((await claimReminder(db, { ...key, idempotencyKey })).alreadySent) continue;
        const email = expiryReminderEmail({
          admin,
          establishmentName: establishment.name,
          expiryMonthLabel: frenchMonth(p.expiryMonth),
          expiring,
          alreadyExpired,
          everyAdminExpires,
          siteUrl: config.api.publicBaseUrl,
        });
        const result = await mailer.send({ to: admin.email, ...email, idempotencyKey, tags: [{ name: 'purpose', value: 'expiry_reminder' }] });
        await db.transaction(async (tx) => {
          await markReminderSent(tx, { ...key, emailId: result.id, at: new Date() });
          await recordAudit(tx, {
            actorType: 'system',
            actorLabel: workflowId,
            establishmentId: p.establishmentId,
            targetAccountId: admin.id,
            action: 'email.expiry_reminder_sent',
            outcome: 'success',
            detail: { idempotencyKey, emailId: result.id, expiryMonth: p.expiryMonth, accounts: expiring.map((a) => a.loginId), everyAdminExpires },
          });
        });
        sent += 1;
      }
      return { sent, admins: admins.length, accounts: expiring.length, everyAdminExpires };
    },
  };
}
