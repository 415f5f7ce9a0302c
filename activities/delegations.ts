/**
 * I/O of the delegation workflow: each step writes the request's row and an entry in both
 * establishments' histories in one transaction, then emails both sides. Every activity is idempotent
 * (a retry finds the step done and does nothing more).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { findAccountWithEstablishment, listActiveAdmins } from '../db/queries/accounts';
import { hasAuditEntry, recordAudit } from '../db/queries/audit';
import {
  type DelegationWithParties,
  findDelegationWithParties,
  setDelegationFields,
  transitionDelegation,
} from '../db/queries/delegations';
import type { Db } from '../db/client';
import type { DelegationStatus } from '../db/schema';
import { parisDay } from '../domain/dates';
import type { DelegationEndReason } from '../workflows/definitions';
import type { ActivityDeps } from './deps';
import { type DelegationEmailStep, delegationEmail } from './emails/delegation';

export type DelegationOutcome = 'accepted' | 'refused' | 'lapsed' | 'ended';

const FROM: Record<DelegationOutcome, DelegationStatus[]> = {
  accepted: ['requested'],
  refused: ['requested'],
  lapsed: ['requested'],
  ended: ['requested', 'accepted'],
};

/** What the history says about the pair, on both sides. */
function parties(row: DelegationWithParties) {
  return {
    delegationId: row.delegation.id,
    workflowId: row.delegation.workflowId,
    central: row.central,
    delegating: row.delegating,
  };
}

async function actorOf(db: Db, input: { accountId?: string; workflowId: string; endReason?: DelegationEndReason }) {
  if (input.accountId) {
    const account = (await findAccountWithEstablishment(db, input.accountId))?.account;
    if (account) {
      return { actorType: 'account' as const, actorAccountId: account.id, actorLabel: account.loginId, actorEstablishmentId: account.establishmentId };
    }
  }
  if (input.endReason === 'attachment_removed' || input.endReason === 'establishment_closed') {
    return { actorType: 'operator' as const, actorLabel: 'DRS' };
  }
  return { actorType: 'system' as const, actorLabel: input.workflowId };
}

export function createDelegationActivities({ db, mailer, config }: ActivityDeps) {
  async function load(delegationId: string) {
    const row = await findDelegationWithParties(db, delegationId);
    if (!row) throw ApplicationFailure.nonRetryable(`delegation ${delegationId} not found`, 'DelegationNotFound');
    return row;
  }

  return {
    /**
     * The request's row, written by the API in the transaction that started the workflow, gets the
     * lapse instant the workflow decided. Retryable "not found": the transaction may not have
     * committed yet; false when the row is no longer a pending request.
     */
    async openDelegationRequest({ delegationId, lapsesAt }: { delegationId: string; lapsesAt: string }): Promise<boolean> {
      const row = await findDelegationWithParties(db, delegationId);
      if (!row) throw ApplicationFailure.retryable(`delegation ${delegationId} not found (yet)`, 'DelegationNotFound');
      if (row.delegation.status !== 'requested') return false;
      await setDelegationFields(db, delegationId, { lapsesAt: new Date(lapsesAt), updatedAt: new Date() });
      return true;
    },

    /**
     * Records the outcome decided by the workflow: the row's new status and one entry in each
     * establishment's history, in one transaction.
     */
    async settleDelegation(input: {
      delegationId: string;
      workflowId: string;
      to: DelegationOutcome;
      at: string;
      accountId?: string;
      endReason?: DelegationEndReason;
      requestId?: string;
    }): Promise<void> {
      const row = await load(input.delegationId);
      if (row.delegation.status === input.to) return; // done by an earlier attempt
      const at = new Date(input.at);
      const set =
        input.to === 'ended'
          ? { status: 'ended' as const, endedAt: at, endedByAccountId: input.accountId ?? null, endReason: input.endReason ?? null, updatedAt: at }
          : input.to === 'lapsed'
            ? { status: 'lapsed' as const, updatedAt: at }
            : { status: input.to, decidedAt: at, decidedByAccountId: input.accountId ?? null, updatedAt: at };
      await db.transaction(async (tx) => {
        const changed = await transitionDelegation(tx, input.delegationId, FROM[input.to], set);
        if (!changed) {
          throw ApplicationFailure.nonRetryable(`delegation is ${row.delegation.status}, cannot become ${input.to}`, 'DelegationNotLiving');
        }
        const actor = await actorOf(tx, input);
        for (const establishmentId of [row.central.id, row.delegating.id]) {
          await recordAudit(tx, {
            ...actor,
            requestId: input.requestId,
            establishmentId,
            action: `delegation.${input.to}`,
            outcome: 'success',
            before: { status: row.delegation.status },
            after: { status: input.to, ...(input.endReason ? { endReason: input.endReason } : {}) },
            detail: parties(row),
          });
        }
      });
    },

    /**
     * Emails the step to the active admins it concerns (the request and its reminder: the delegating
     * establishment's; the outcome: both sides'), one idempotency key per recipient, and records the
     * sending once in each history concerned.
     */
    async sendDelegationEmails(input: { delegationId: string; workflowId: string; runId: string; step: DelegationEmailStep; at: string }) {
      const row = await load(input.delegationId);
      const at = new Date(input.at);
      const sides =
        input.step === 'requested' || input.step === 'reminder'
          ? [{ side: 'delegating' as const, party: row.delegating }]
          : [
              { side: 'central' as const, party: row.central },
              { side: 'delegating' as const, party: row.delegating },
            ];
      const emailKey = `delegation/${input.workflowId}/${input.runId}/${input.step}`;
      for (const { side, party } of sides) {
        const now = new Date();
        const admins = await listActiveAdmins(db, { establishmentId: party.id, now, today: parisDay(now) });
        const emailIds: string[] = [];
        for (const admin of admins) {
          const sent = await mailer.send({
            to: admin.email,
            ...delegationEmail({
              step: input.step,
              side,
              recipient: admin,
              central: row.central,
              delegating: row.delegating,
              lapsesAt: row.delegation.lapsesAt,
              // Only an acceptance sets decidedAt on a row that can end.
              wasAccepted: row.delegation.decidedAt !== null,
              siteUrl: config.api.publicBaseUrl,
            }),
            idempotencyKey: `${emailKey}/${admin.id}`,
            tags: [{ name: 'purpose', value: `delegation_${input.step}` }],
          });
          emailIds.push(sent.id);
        }
        if (!(await hasAuditEntry(db, { action: `email.delegation_${input.step}_sent`, establishmentId: party.id, detail: { emailKey } }))) {
          await recordAudit(db, {
            actorType: 'system',
            actorLabel: input.workflowId,
            establishmentId: party.id,
            action: `email.delegation_${input.step}_sent`,
            outcome: 'success',
            detail: { ...parties(row), emailKey, recipients: admins.length, emailIds },
          });
        }
      }
      if (input.step === 'reminder') await setDelegationFields(db, input.delegationId, { reminderSentAt: at, updatedAt: at });
    },
  };
}
