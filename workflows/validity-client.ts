/**
 * Client side of the validity lifecycle: how the API and the worker's activities (reconcile, renewal
 * signals) start and signal `validity-<loginId>`. Not part of the workflow bundle. At creation the
 * activation workflow starts it (workflows/validity-start.ts, password-link.ts).
 */
import { type Client, ScheduleOverlapPolicy } from '@temporalio/client';
import { ensureSchedule } from './schedules';
import { frenchDate, frenchMonth, PLATFORM_TIME_ZONE, REMINDER_DAY_OF_MONTH } from '../domain/dates';
import { expiryChangedSignal, searchAttributes, workflowIds } from './definitions';
import { validityWorkflow } from './validity';
import { type ValidityAccount, validityStartOptions } from './validity-start';
import { type ReminderRunInput, validityRemindersWorkflow } from './validity-reminders';
import { validityReconcileWorkflow } from './validity-reconcile';
import { type RenewalSignalsInput, validityRenewalSignalsWorkflow } from './validity-renewal';

export type { ValidityAccount };

export interface ValidityTarget {
  client: Client;
  taskQueue: string;
}

/**
 * Starts the workflow unless one already runs under its ID (reconcile): idempotent.
 *
 * `eager`: the caller is an activity whose client shares the worker's connection (`Context.current().client`).
 * The server then hands the run's first workflow task back in the start's answer, to this worker, when
 * it has a free slot: no task written to the queue, dispatched to a poller and recorded as started
 * (README « Worker: email drain »). With no free slot it is an ordinary start; a client on a connection of
 * its own (the API's) cannot ask for it.
 */
export async function ensureValidity(target: ValidityTarget, account: ValidityAccount, siret: string, opts: { eager?: boolean } = {}): Promise<void> {
  await target.client.workflow.start(validityWorkflow, {
    ...validityStartOptions(account, siret),
    taskQueue: target.taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    ...(opts.eager ? { requestEagerStart: true } : {}),
  });
}

/**
 * A renewal moved the expiry: the running workflow follows it. When none runs (an account from before
 * the lifecycle, not reconciled yet), this starts it with the new expiry. One round trip either way.
 */
export async function signalExpiryChanged(target: ValidityTarget, account: ValidityAccount, siret: string) {
  await target.client.workflow.signalWithStart(validityWorkflow, {
    ...validityStartOptions(account, siret),
    taskQueue: target.taskQueue,
    signal: expiryChangedSignal,
    signalArgs: [{ expiresOn: account.expiresOn }],
  });
}

/**
 * Starts the signals of a bulk renewal (`validity-renewal-signals-<batchId>`): the last step of the
 * renewal's transaction, so one Temporal call per request whatever the number of accounts.
 */
export async function startRenewalSignals(target: ValidityTarget, input: RenewalSignalsInput, siret: string) {
  await target.client.workflow.start(validityRenewalSignalsWorkflow, {
    workflowId: workflowIds.renewalFanOut(input.batchId),
    taskQueue: target.taskQueue,
    args: [input],
    typedSearchAttributes: [
      { key: searchAttributes.establishmentSiret, value: siret },
      { key: searchAttributes.lifecycleState, value: 'signalling' },
    ],
    staticSummary: `Renouvellement groupé : ${input.total} compte(s) du SIRET ${siret} jusqu'au ${frenchDate(input.expiresOn)}`,
    staticDetails:
      `Les comptes sont déjà renouvelés en base (une entrée « account.renew » par compte, lot ${input.batchId}). ` +
      'Ce workflow informe le suivi de validité (validity-<identifiant>) de chacun de sa nouvelle date, par pages de 500, ' +
      "et démarre ceux qui manquent. Requête `status` : comptes informés / total. Fins possibles : done, ended (renouvellement annulé).",
  });
}

/** The monthly reminder: the 20th at 07:00 in Paris; a server down that day catches up within 7 days. */
export const REMINDER_SCHEDULE = {
  spec: { calendars: [{ dayOfMonth: REMINDER_DAY_OF_MONTH, hour: 7, minute: 0 }], timezone: PLATFORM_TIME_ZONE },
  policies: { catchupWindow: '7 days', overlap: ScheduleOverlapPolicy.SKIP },
} as const;

function reminderScheduleOptions(taskQueue: string) {
  return {
    spec: { calendars: [...REMINDER_SCHEDULE.spec.calendars], timezone: REMINDER_SCHEDULE.spec.timezone },
    policies: { ...REMINDER_SCHEDULE.policies },
    action: {
      type: 'startWorkflow' as const,
      workflowType: validityRemindersWorkflow,
      workflowId: workflowIds.validityReminderSchedule(),
      taskQueue,
      args: [{}] as [ReminderRunInput],
      staticSummary: "Rappel mensuel d'expiration des comptes",
      staticDetails:
        "Le 20 de chaque mois : pour chaque établissement ayant des comptes qui expirent le mois suivant, un courriel par administrateur actif " +
        'listant ces comptes et la manière de les renouveler. Un seul envoi par établissement, mois et destinataire, même relancé.',
    },
    memo: { description: "Rappel mensuel d'expiration des comptes (le 20, 7 h, heure de Paris)" },
  };
}

/** Creates the reminder schedule, or brings an existing one up to date: safe at every worker start. */
export async function ensureReminderSchedule(client: Client, taskQueue: string): Promise<void> {
  await ensureSchedule(client, { scheduleId: workflowIds.validityReminderSchedule(), ...reminderScheduleOptions(taskQueue) });
}

/**
 * A run of the monthly reminder for one expiry month, on the operator's request (`validity-reminders-<month>`;
 * joins the one running, if any). Sends nothing already sent: each email is claimed per (establishment, month, recipient).
 */
export async function startReminderRun(client: Client, taskQueue: string, expiryMonth: string) {
  const handle = await client.workflow.start(validityRemindersWorkflow, {
    workflowId: workflowIds.validityReminderRun(expiryMonth),
    taskQueue,
    args: [{ expiryMonth }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `Rappel d'expiration des comptes expirant en ${frenchMonth(expiryMonth)} (demandé par l'opérateur)`,
    staticDetails:
      "Même traitement que le rappel mensuel du 20 : un courriel par administrateur actif des établissements concernés. " +
      "Les courriels déjà envoyés pour ce mois ne repartent pas (un envoi par établissement, mois et destinataire).",
  });
  return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
}

/** Starts the reconcile run unless one is running already (worker start, operator request). */
export async function startValidityReconcile(client: Client, taskQueue: string) {
  const handle = await client.workflow.start(validityReconcileWorkflow, {
    workflowId: workflowIds.validityReconcile(),
    taskQueue,
    args: [{}],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: 'Rattrapage des suivis de validité des comptes',
    staticDetails: "Démarre le suivi de validité (validity-<identifiant>) de chaque compte non supprimé qui n'en a pas. Sans effet sur les suivis en cours.",
  });
  return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
}
