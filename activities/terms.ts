/**
 * I/O of the terms-of-use workflows: the emails to admins, the deadline and acceptance records, and
 * the campaign's fan-out page by page. Each is idempotent, keyed on the workflow ID and the step.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { startTermsWorkflow } from '../terms/lifecycles';
import { absentRow } from './absent-row';
import { hasAuditEntry, recordAudit } from '../db/queries/audit';
import {
  activeAdminsOf,
  currentTermsVersion,
  findTarget,
  findTermsVersionById,
  markTermsAccepted,
  pageOfTargets,
} from '../db/queries/terms';
import { findAccountWithEstablishment } from '../db/queries/accounts';
import { parisDay } from '../domain/dates';
import type { TermsAcceptance } from '../workflows/definitions';
import type { ActivityDeps } from './deps';
import { termsOfUseEmail } from './emails/templates';

/** How many workflow starts a page sends to Temporal at once. */
const START_CONCURRENCY = 32;

export function createTermsActivities({ db, mailer, config }: ActivityDeps) {
  async function loadVersion(versionId: string) {
    const version = await findTermsVersionById(db, versionId);
    // The campaign starts inside the publishing transaction: its first page may look before the commit.
    if (!version) throw absentRow(`terms version ${versionId}`, { notYet: 'TermsVersionNotFound', absent: 'TermsVersionAbsent' });
    return version;
  }

  function toAcceptance(target: { acceptedAt: Date | null; acceptedByAccountId: string | null; acceptedByLoginId: string | null }): TermsAcceptance | null {
    if (!target.acceptedAt || !target.acceptedByAccountId) return null;
    return { acceptedAt: target.acceptedAt.toISOString(), acceptedByAccountId: target.acceptedByAccountId, acceptedByLoginId: target.acceptedByLoginId ?? '' };
  }

  return {
    /**
     * Emails the establishment's active admins for `step` (`publication`, `reminder-7`...), unless the
     * version is no longer the current one or an admin already accepted. Tells the workflow which.
     */
    async notifyTermsAdmins(input: { versionId: string; establishmentId: string; workflowId: string; step: string }) {
      const version = await loadVersion(input.versionId);
      const now = new Date();
      const current = await currentTermsVersion(db);
      const target = await findTarget(db, input);
      if (!target) throw ApplicationFailure.nonRetryable(`establishment ${input.establishmentId} is not a target of ${version.version}`, 'NotATarget');
      const acceptance = toAcceptance(target);
      const currentVersion = current?.version ?? null;
      if (acceptance || currentVersion !== version.version) return { recipients: 0, currentVersion, acceptance };

      const admins = await activeAdminsOf(db, input.establishmentId, { now, today: parisDay(now) });
      const reminderDays = /^reminder-(\d+)$/.exec(input.step)?.[1];
      for (const admin of admins) {
        await mailer.send({
          to: admin.email,
          ...termsOfUseEmail({
            admin,
            reminder: reminderDays ? { daysBefore: Number(reminderDays) } : null,
            version: version.version,
            publishedOn: parisDay(version.publishedAt),
            deadlineOn: target.deadlineOn,
            acceptableFromDay: admin.termsAcceptableFrom && admin.termsAcceptableFrom > parisDay(now) ? admin.termsAcceptableFrom : null,
            siteUrl: config.api.publicBaseUrl,
          }),
          idempotencyKey: `${input.workflowId}/${input.step}/${admin.id}`,
          tags: [{ name: 'purpose', value: 'terms_of_use' }],
        });
        Context.current().heartbeat();
      }
      const idempotencyKey = `${input.workflowId}/${input.step}`;
      if (admins.length > 0 && !(await hasAuditEntry(db, { action: 'email.terms_of_use_sent', establishmentId: input.establishmentId, detail: { idempotencyKey } }))) {
        await recordAudit(db, {
          actorType: 'system',
          actorLabel: input.workflowId,
          establishmentId: input.establishmentId,
          action: 'email.terms_of_use_sent',
          outcome: 'success',
          detail: { idempotencyKey, version: version.version, step: input.step, recipients: admins.map((a) => a.loginId) },
        });
      }
      return { recipients: admins.length, currentVersion, acceptance: null };
    },

    /** The deadline passed without acceptance: the establishment's history says so, once. */
    async recordTermsDeadlinePassed(input: { versionId: string; establishmentId: string; workflowId: string }) {
      const version = await loadVersion(input.versionId);
      const target = await findTarget(db, input);
      const idempotencyKey = `${input.workflowId}/deadline`;
      if (await hasAuditEntry(db, { action: 'terms.deadline_passed', establishmentId: input.establishmentId, detail: { idempotencyKey } })) return;
      await recordAudit(db, {
        actorType: 'system',
        actorLabel: input.workflowId,
        establishmentId: input.establishmentId,
        action: 'terms.deadline_passed',
        outcome: 'success',
        after: { version: version.version, standing: 'overdue' },
        detail: { idempotencyKey, deadlineOn: target?.deadlineOn },
      });
    },

    /**
     * The workflow accepted an admin's acceptance (at workflow time `at`). The first acceptance is
     * recorded with its history entry; a later one (another admin, a retry) returns the first.
     */
    async recordTermsAcceptance(input: {
      versionId: string;
      establishmentId: string;
      accountId: string;
      requestId: string | null;
      workflowId: string;
      at: string;
      late: boolean;
    }): Promise<TermsAcceptance> {
      const version = await loadVersion(input.versionId);
      return db.transaction(async (tx) => {
        const admin = (await findAccountWithEstablishment(tx, input.accountId))?.account;
        if (!admin) throw ApplicationFailure.nonRetryable(`account ${input.accountId} not found`, 'AccountNotFound');
        const at = new Date(input.at);
        if (await markTermsAccepted(tx, { ...input, at })) {
          await recordAudit(tx, {
            actorType: 'account',
            actorAccountId: input.accountId,
            actorLabel: admin.loginId,
            actorEstablishmentId: admin.establishmentId,
            requestId: input.requestId,
            establishmentId: input.establishmentId,
            action: 'terms.accepted',
            outcome: 'success',
            before: { version: version.version, standing: input.late ? 'overdue' : 'pending' },
            after: { version: version.version, standing: 'accepted', acceptedAt: input.at, late: input.late },
            detail: { workflowId: input.workflowId },
          });
        }
        const target = await findTarget(tx, input);
        return toAcceptance(target!)!;
      });
    },

    /**
     * One page of the campaign: starts the workflow of each establishment after `afterEstablishmentId`
     * (those already started are counted, not restarted). Stops when a newer version is current.
     */
    async startTermsWorkflowsPage(input: { versionId: string; afterEstablishmentId: string | null; limit: number }) {
      const version = await loadVersion(input.versionId);
      const current = await currentTermsVersion(db);
      if (current?.version !== version.version) return { superseded: true, started: 0, alreadyRunning: 0, lastEstablishmentId: null };
      const { client, info } = Context.current();
      const targets = await pageOfTargets(db, input);
      let started = 0;
      let alreadyRunning = 0;
      for (let i = 0; i < targets.length; i += START_CONCURRENCY) {
        const results = await Promise.all(
          targets
            .slice(i, i + START_CONCURRENCY)
            .map((target) => startTermsWorkflow({ temporal: client, config: { temporal: { taskQueue: info.taskQueue } } }, version, target)),
        );
        for (const fresh of results) fresh ? started++ : alreadyRunning++;
        Context.current().heartbeat(i);
      }
      const full = targets.length === input.limit;
      return { superseded: false, started, alreadyRunning, lastEstablishmentId: full ? targets[targets.length - 1]!.establishmentId : null };
    },
  };
}
