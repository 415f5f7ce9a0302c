/**
 * I/O of the administrator registration: the letter (rendered once, stored in PostgreSQL), its
 * posting, the end of the window, the opposition and its emails. Each step is idempotent: a retried
 * activity finds its own previous write and changes nothing.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { type AccountScope, applyAccountAction, auditActor, deleteAction, demotion, runAfterCommit } from '../accounts';
import { asActivity } from './account-rules';
import { countActiveAdmins, listActiveAdmins } from '../db/queries/accounts';
import { registrationForLetter, storeLetterOnce, updateRegistration } from '../db/queries/admin-registrations';
import { hasAuditEntry, recordAudit } from '../db/queries/audit';
import type { Db } from '../db/client';
import { parisDay } from '../domain/dates';
import type { OppositionInput, OppositionResult } from '../workflows/definitions';
import type { ActivityDeps } from './deps';
import { adminOppositionEmail } from './emails/templates';
import { renderAdminRegistrationLetter } from './letters/admin-registration-letter';

const OPERATOR = auditActor({ type: 'operator' });
const SYSTEM = { actorType: 'system' as const };

export interface PreparedLetter {
  reference: string;
  letterDate: string;
  statedDeadline: string;
  termsAcceptableFrom: string | null;
}

export function createAdminRegistrationActivities({ db, mailer, config }: ActivityDeps) {
  async function load(registrationId: string) {
    const row = await registrationForLetter(db, registrationId);
    if (!row) throw ApplicationFailure.nonRetryable(`registration ${registrationId} not found`, 'RegistrationNotFound');
    return row;
  }

  return {
    /**
     * Renders and stores the letter (once). Null when the registration cannot go on: not committed
     * (retried a few times by the workflow first), or its account already deleted.
     */
    async prepareRegistrationLetter(input: {
      registrationId: string;
      workflowId: string;
      letterDate: string;
      statedDeadline: string;
    }): Promise<PreparedLetter | null> {
      const row = await registrationForLetter(db, input.registrationId);
      if (!row) throw ApplicationFailure.retryable(`registration ${input.registrationId} not found (yet)`, 'RegistrationNotFound');
      const { registration: r, account, establishment, grantor } = row;
      if (account.status === 'deleted' || r.status === 'cancelled') return null;
      if (!r.letterPdf) {
        const pdf = await renderAdminRegistrationLetter({
          reference: r.reference!,
          letterDate: input.letterDate,
          statedDeadline: input.statedDeadline,
          termsAcceptableFrom: account.termsAcceptableFrom,
          establishment,
          legalRepresentative: {
            civility: establishment.legalRepCivility,
            firstName: establishment.legalRepFirstName,
            lastName: establishment.legalRepLastName,
            title: establishment.legalRepTitle,
            address: establishment.legalRepAddress,
          },
          admin: account,
          reason: r.reason,
          grantedOn: parisDay(r.grantedAt ?? r.createdAt),
          grantedBy: grantor,
        });
        await db.transaction(async (tx) => {
          await storeLetterOnce(tx, r.id, { letterPdf: pdf, ...input });
          if (!(await hasAuditEntry(tx, { action: 'admin_registration.letter_generated', targetAccountId: account.id, requestId: input.workflowId }))) {
            await recordAudit(tx, {
              ...SYSTEM,
              requestId: input.workflowId,
              establishmentId: establishment.id,
              targetAccountId: account.id,
              action: 'admin_registration.letter_generated',
              outcome: 'success',
              after: { reference: r.reference, letterDate: input.letterDate, statedDeadline: input.statedDeadline },
            });
          }
        });
      }
      const stored = (await registrationForLetter(db, r.id))!.registration;
      return {
        reference: stored.reference!,
        letterDate: stored.letterDate!,
        statedDeadline: stored.statedDeadline!,
        termsAcceptableFrom: account.termsAcceptableFrom,
      };
    },

    async flagLetterOverdue({ registrationId, at }: { registrationId: string; at: string }) {
      const { registration: r, account } = await load(registrationId);
      if (r.letterOverdueAt) return;
      await db.transaction(async (tx) => {
        await updateRegistration(tx, r.id, { letterOverdueAt: new Date(at) });
        await recordAudit(tx, {
          ...SYSTEM,
          establishmentId: r.establishmentId,
          targetAccountId: account.id,
          action: 'admin_registration.letter_overdue',
          outcome: 'success',
          after: { reference: r.reference, letterDate: r.letterDate, overdueAt: at },
        });
      });
    },

    async recordLetterPosted(input: { registrationId: string; postedOn: string; oppositionDeadline: string; requestId: string }) {
      const { registration: r, account } = await load(input.registrationId);
      if (r.postedOn) return;
      await db.transaction(async (tx) => {
        await updateRegistration(tx, r.id, { status: 'letter_sent', postedOn: input.postedOn, oppositionDeadline: input.oppositionDeadline });
        await recordAudit(tx, {
          ...OPERATOR,
          requestId: input.requestId,
          establishmentId: r.establishmentId,
          targetAccountId: account.id,
          action: 'admin_registration.letter_posted',
          outcome: 'success',
          before: { status: r.status },
          after: { status: 'letter_sent', reference: r.reference, postedOn: input.postedOn, oppositionDeadline: input.oppositionDeadline },
        });
      });
    },

    /** The window closed without opposition. */
    async confirmRegistration({ registrationId }: { registrationId: string }) {
      const { registration: r, account } = await load(registrationId);
      if (r.status === 'confirmed') return;
      await db.transaction(async (tx) => {
        await updateRegistration(tx, r.id, { status: 'confirmed', decidedAt: new Date() });
        await recordAudit(tx, {
          ...SYSTEM,
          establishmentId: r.establishmentId,
          targetAccountId: account.id,
          action: 'admin_registration.confirmed',
          outcome: 'success',
          before: { status: r.status },
          after: { status: 'confirmed', reference: r.reference },
        });
      });
    },

    /** The account was deleted (an ordinary action): the registration has nothing left to decide. */
    async cancelRegistration({ registrationId }: { registrationId: string }) {
      const { registration: r, account } = await load(registrationId);
      if (r.status === 'cancelled') return;
      await db.transaction(async (tx) => {
        await updateRegistration(tx, r.id, { status: 'cancelled', decidedAt: new Date() });
        await recordAudit(tx, {
          ...SYSTEM,
          establishmentId: r.establishmentId,
          targetAccountId: account.id,
          action: 'admin_registration.cancelled',
          outcome: 'success',
          before: { status: r.status },
          after: { status: 'cancelled', reference: r.reference, reason: 'account_deleted' },
        });
      });
    },

    /**
     * The legal representative's opposition prevails: an account created as admin is deleted, a
     * promoted one goes back to user; its sessions end. Recorded with the operator as actor, even when
     * it leaves the establishment without an active admin (the history says so).
     */
    async applyOpposition(input: OppositionInput & { registrationId: string }): Promise<OppositionResult> {
      const { registration: r, account } = await load(input.registrationId);
      const now = new Date();
      const clock = { now, today: parisDay(now) };
      const adminsLeft = async (handle: Db) => (await countActiveAdmins(handle, { ...clock, establishmentId: r.establishmentId })) === 0;
      // A retry after the commit: report what was done, do nothing again.
      if (r.status === 'opposed') return { account: r.reason === 'created' ? 'deleted' : 'demoted', noActiveAdminLeft: await adminsLeft(db) };
      const scope: AccountScope = {
        actor: { type: 'operator' },
        requestId: input.requestId,
        establishmentId: r.establishmentId,
        ...clock,
        lifecycles: { temporal: Context.current().client, config },
        deferAfterCommit: (step) => afterCommit.push(step),
      };
      const afterCommit: (() => Promise<void>)[] = [];
      const result = await db.transaction(async (tx) => {
        let outcome: OppositionResult['account'] = 'already_deleted';
        if (account.status !== 'deleted') {
          // The opposition prevails even over the last-admin rule; the rule writes its own history entry.
          const rule = r.reason === 'created' ? deleteAction([account.id], { evenLastAdmin: true }) : demotion({ evenLastAdmin: true });
          await asActivity(() => applyAccountAction(tx, scope, account.id, rule));
          outcome = r.reason === 'created' ? 'deleted' : 'demoted';
        }
        const noActiveAdminLeft = await adminsLeft(tx);
        await updateRegistration(tx, r.id, {
          status: 'opposed',
          decidedAt: now,
          oppositionRequestedOn: input.requestedOn,
          oppositionChannel: input.channel,
          oppositionReason: input.reason,
        });
        await recordAudit(tx, {
          ...OPERATOR,
          requestId: input.requestId,
          establishmentId: r.establishmentId,
          targetAccountId: account.id,
          action: 'admin_registration.opposed',
          outcome: 'success',
          before: { status: r.status },
          after: { status: 'opposed', reference: r.reference, account: outcome },
          detail: {
            requestedOn: input.requestedOn,
            channel: input.channel,
            reason: input.reason,
            noActiveAdminLeft,
            ...(noActiveAdminLeft
              ? { warning: "L'établissement n'a plus d'administrateur actif : l'opposition prévaut, un nouvel administrateur doit être inscrit." }
              : {}),
          },
        });
        return { account: outcome, noActiveAdminLeft };
      });
      for (const step of afterCommit) await runAfterCommit(scope, step);
      return result;
    },

    /** The holder and the establishment's other active admins learn of the opposition. */
    async sendOppositionEmails(input: { registrationId: string; workflowId: string; result: OppositionResult }) {
      const { registration: r, account, establishment } = await load(input.registrationId);
      const now = new Date();
      const admins = await listActiveAdmins(db, { now, today: parisDay(now), establishmentId: r.establishmentId });
      const recipients = [
        { person: account, email: account.email, isHolder: true },
        ...admins.filter((a) => a.id !== account.id).map((a) => ({ person: a, email: a.email, isHolder: false })),
      ];
      for (const recipient of recipients) {
        const idempotencyKey = `${input.workflowId}/opposition/${recipient.email}`;
        const sent = await mailer.send({
          to: recipient.email,
          ...adminOppositionEmail({
            recipient: recipient.person,
            holder: account,
            isHolder: recipient.isHolder,
            outcome: input.result.account,
            establishmentName: establishment.name,
            reference: r.reference!,
            noActiveAdminLeft: input.result.noActiveAdminLeft,
            siteUrl: config.api.publicBaseUrl,
          }),
          idempotencyKey,
          tags: [{ name: 'purpose', value: 'admin_opposition' }],
        });
        if (!(await hasAuditEntry(db, { action: 'email.admin_opposition_sent', requestId: idempotencyKey }))) {
          await recordAudit(db, {
            ...SYSTEM,
            requestId: idempotencyKey,
            establishmentId: r.establishmentId,
            targetAccountId: account.id,
            action: 'email.admin_opposition_sent',
            outcome: 'success',
            detail: { idempotencyKey, emailId: sent.id, to: recipient.isHolder ? 'holder' : 'admin' },
          });
        }
      }
    },
  };
}
