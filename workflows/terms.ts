/**
 * One establishment and one version of the terms of use (CGU): its active admins are emailed at the
 * publication and reminded before the deadline; the run waits for one admin's acceptance. Past the
 * deadline the establishment is overdue (recorded in its history) and the run keeps waiting: a late
 * acceptance still counts and restores access. A newer version ends it (`superseded`).
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/common';
import type { Activities } from '../activities';
import {
  acceptTermsUpdate,
  searchAttributes,
  TERMS_REFUSALS,
  type TermsAcceptance,
  type TermsStage,
  type TermsStatus,
  termsStatusQuery,
  termsSupersededSignal,
  workflowIds,
} from './definitions';

export interface TermsInput {
  versionId: string;
  version: string;
  establishmentId: string;
  siret: string;
  /** The establishment's deadline, as an instant (midnight Paris at the start of the deadline day). */
  deadline: string;
  /** Its calendar day, as people read it (DD/MM/YYYY in emails and details). */
  deadlineLabel: string;
  /** Reminders in the order they leave. */
  reminders: { daysBefore: number; at: string }[];
  /** The version current before this one: its run for this establishment is told to end. */
  previousVersion: string | null;
}

export type TermsOutcome = 'accepted' | 'accepted_late' | 'superseded';

const ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};
const { notifyTermsAdmins, recordTermsDeadlinePassed, recordTermsAcceptance } = proxyActivities<Activities>(ACTIVITY_OPTIONS);

export async function termsWorkflow(input: TermsInput): Promise<TermsOutcome> {
  const { workflowId } = workflowInfo();
  const deadlineMs = Date.parse(input.deadline);
  let stage: TermsStage = 'notifying';
  let acceptance: TermsAcceptance | null = null;
  let supersededBy: string | null = null;
  let accepting = 0;
  const emailSteps: TermsStatus['emailSteps'] = [];

  const setStage = (next: TermsStage, details: string) => {
    stage = next;
    upsertSearchAttributes([{ key: searchAttributes.lifecycleState, value: next }]);
    setCurrentDetails(details);
  };
  // Settled once an admin accepted or a newer version took over, and no acceptance is being written.
  const settled = () => accepting === 0 && (acceptance !== null || supersededBy !== null);

  setHandler(termsStatusQuery, (): TermsStatus => ({
    stage,
    version: input.version,
    deadline: input.deadline,
    emailSteps,
    acceptance,
    supersededBy,
  }));
  setHandler(termsSupersededSignal, ({ byVersion }) => {
    if (!acceptance) supersededBy ??= byVersion;
  });
  setHandler(
    acceptTermsUpdate,
    async ({ accountId, requestId }) => {
      if (acceptance) return acceptance; // idempotent: the first acceptance counts
      accepting += 1;
      try {
        acceptance = await recordTermsAcceptance({
          versionId: input.versionId,
          establishmentId: input.establishmentId,
          accountId,
          requestId,
          workflowId,
          at: new Date().toISOString(),
          late: Date.now() >= deadlineMs,
        });
        return acceptance;
      } finally {
        accepting -= 1;
      }
    },
    {
      validator: ({ acceptableFrom }) => {
        if (acceptance) return;
        if (supersededBy) {
          throw ApplicationFailure.nonRetryable(`version ${input.version} superseded by ${supersededBy}`, TERMS_REFUSALS.superseded);
        }
        // The 8-day delay is decided on workflow time.
        if (Date.now() < Date.parse(acceptableFrom)) {
          throw ApplicationFailure.nonRetryable(`admin may accept from ${acceptableFrom}`, TERMS_REFUSALS.adminDelay, { acceptableFrom });
        }
      },
    },
  );

  upsertSearchAttributes([
    { key: searchAttributes.termsVersion, value: input.version },
    { key: searchAttributes.establishmentSiret, value: input.siret },
  ]);
  setStage('notifying', `Version ${input.version} : envoi du courriel de publication aux administrateurs`);

  if (input.previousVersion) {
    // A run of the previous version that already ended (accepted, superseded) or never started is fine.
    await getExternalWorkflowHandle(workflowIds.terms(input.previousVersion, input.siret))
      .signal(termsSupersededSignal, { byVersion: input.version })
      .catch(() => undefined);
  }

  const opening = await notify('publication', 'Courriel de publication aux administrateurs actifs');
  if (opening.currentVersion !== input.version) supersededBy ??= opening.currentVersion ?? 'retirée';
  if (opening.acceptance) acceptance ??= opening.acceptance;

  if (!settled()) {
    setStage('awaiting_acceptance', `Version ${input.version} : en attente de la validation d'un administrateur avant le ${input.deadlineLabel}`);
    for (const reminder of input.reminders) {
      const wait = Date.parse(reminder.at) - Date.now();
      if (wait <= 0) continue; // its day was already past when the run started
      if (await condition(settled, wait, { summary: `Rappel J-${reminder.daysBefore} avant le ${input.deadlineLabel}` })) break;
      await notify(`reminder-${reminder.daysBefore}`, `Rappel J-${reminder.daysBefore} aux administrateurs actifs`);
    }
  }

  if (!settled()) {
    const wait = deadlineMs - Date.now();
    const met = wait > 0 && (await condition(settled, wait, { summary: `Date limite : avant le ${input.deadlineLabel}` }));
    if (!met) {
      await recordTermsDeadlinePassed({ versionId: input.versionId, establishmentId: input.establishmentId, workflowId });
      setStage(
        'overdue',
        `Version ${input.version} : délai dépassé (avant le ${input.deadlineLabel}) sans validation ; accès des utilisateurs suspendu, un administrateur peut encore valider`,
      );
      await condition(settled);
    }
  }

  await condition(() => accepting === 0);
  let outcome: TermsOutcome;
  if (acceptance) {
    const late = Date.parse((acceptance as TermsAcceptance).acceptedAt) >= deadlineMs;
    outcome = late ? 'accepted_late' : 'accepted';
    setStage(outcome, `Version ${input.version} : validée par ${(acceptance as TermsAcceptance).acceptedByLoginId}${late ? ' après la date limite' : ''}`);
  } else {
    outcome = 'superseded';
    setStage('superseded', `Version ${input.version} : remplacée par la version ${supersededBy} avant sa validation`);
  }
  await condition(allHandlersFinished);
  return outcome;

  async function notify(step: string, summary: string) {
    const result = await notifyTermsAdmins.executeWithOptions({ ...ACTIVITY_OPTIONS, summary }, [
      { versionId: input.versionId, establishmentId: input.establishmentId, workflowId, step },
    ]);
    if (result.recipients > 0) emailSteps.push({ step, recipients: result.recipients, at: new Date().toISOString() });
    return result;
  }
}
