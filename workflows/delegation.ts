/**
 * Multi-account access for one pair of establishments (`delegation-<centralSiret>-<delegatingSiret>`).
 * The central establishment's admin asked; the delegating establishment's active admins are emailed.
 * The first answer of one of them settles the request (an update with a validator: an acceptance
 * and a refusal arriving together settle once). Without an answer a reminder goes before the request
 * lapses. Once accepted the run stays open while the delegation lives and ends when either side ends
 * it, the operator removes the attachment, or an establishment is closed. A new request after a
 * refusal, a lapse or an end is a new run under the same workflow ID.
 */
import type { ActivityOptions } from '@temporalio/common';
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DelegationOutcome } from '../activities/delegations';
import type { DelegationEmailStep } from '../activities/emails/delegation';
import {
  answerDelegationUpdate,
  type DelegationEndReason,
  type DelegationStage,
  type DelegationStatus,
  delegationStatusQuery,
  endDelegationUpdate,
  searchAttributes,
} from './definitions';

export interface DelegationInput {
  delegationId: string;
  centralSiret: string;
  delegatingSiret: string;
  /** Days the delegating establishment's admins have to answer before the request lapses. */
  answerWithinDays: number;
  /** How many days before the lapse the reminder goes (at most half the answering time). */
  remindDaysBefore: number;
  /** Set by continue-as-new once accepted: the new run only waits for the end. */
  carried?: DelegationStatus;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const STEP_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};
const { settleDelegation, sendDelegationEmails } = proxyActivities<Activities>(STEP_OPTIONS);

// The row is written by the transaction that starts this workflow: a few quick retries cover its
// commit, then a rolled-back request ends the run.
const { openDelegationRequest } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumAttempts: 6 },
});

const DETAILS: Record<DelegationStage, string> = {
  requested: 'Demande envoyée aux administrateurs de l’établissement en délégation ; en attente de leur réponse.',
  accepted: 'Délégation acceptée : les administrateurs de l’établissement centralisateur gèrent les comptes de l’établissement en délégation.',
  refused: 'Délégation refusée par l’établissement en délégation.',
  lapsed: 'Demande restée sans réponse : elle n’est plus valable.',
  ended: 'Délégation terminée.',
  cancelled: 'Demande introuvable (annulée avant son enregistrement).',
};

const END_LABELS: Record<DelegationEndReason, string> = {
  ended_by_central: 'par l’établissement centralisateur',
  ended_by_delegating: 'par l’établissement en délégation',
  attachment_removed: 'par le retrait du rattachement (opérateur)',
  establishment_closed: 'par la fermeture d’un établissement',
};

const OUTCOME_LABELS: Record<DelegationOutcome, string> = {
  accepted: 'acceptation',
  refused: 'refus',
  lapsed: 'caducité',
  ended: 'fin de la délégation',
};

const EMAIL_LABELS: Record<DelegationEmailStep, string> = {
  requested: 'demande aux administrateurs de l’établissement en délégation',
  reminder: 'relance aux administrateurs de l’établissement en délégation',
  accepted: 'acceptation, aux deux établissements',
  refused: 'refus, aux deux établissements',
  lapsed: 'caducité, aux deux établissements',
  ended: 'fin, aux deux établissements',
};

const frenchInstant = (iso: string) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)} ${iso.slice(11, 16)} UTC`;

export async function delegationWorkflow(input: DelegationInput): Promise<DelegationStage> {
  const { workflowId, runId } = workflowInfo();
  const startedAt = Date.now();
  const lapsesAtMs = startedAt + input.answerWithinDays * DAY_MS;
  const status: DelegationStatus = input.carried ?? {
    stage: 'requested',
    delegationId: input.delegationId,
    centralSiret: input.centralSiret,
    delegatingSiret: input.delegatingSiret,
    requestedAt: new Date(startedAt).toISOString(),
    lapsesAt: new Date(lapsesAtMs).toISOString(),
    reminderSentAt: null,
    decidedAt: null,
    endedAt: null,
    endReason: null,
  };
  const stageNow = (): DelegationStage => status.stage;
  const acceptedDetails = () =>
    `Délégation acceptée le ${frenchInstant(status.decidedAt ?? status.requestedAt)} : elle dure jusqu’à ce qu’une des parties y mette fin.`;
  /** An answer or an end is being recorded: no other answer is accepted meanwhile. */
  let busy = false;

  const setStage = (stage: DelegationStage, detail?: string) => {
    status.stage = stage;
    upsertSearchAttributes([{ key: searchAttributes.lifecycleState, value: stage }]);
    setCurrentDetails(detail ?? DETAILS[stage]);
  };

  /** Records an outcome through the activity, then moves the stage: the row changes before the caller hears back. */
  async function settle(to: DelegationOutcome, extra: { accountId?: string; endReason?: DelegationEndReason; requestId?: string } = {}) {
    busy = true;
    try {
      const at = new Date().toISOString();
      await settleDelegation.executeWithOptions({ ...STEP_OPTIONS, summary: `Enregistrer : ${OUTCOME_LABELS[to]}` }, [
        { delegationId: input.delegationId, workflowId, to, at, ...extra },
      ]);
      if (to === 'ended') {
        status.endedAt = at;
        status.endReason = extra.endReason ?? null;
        setStage('ended', `Délégation terminée le ${frenchInstant(at)} ${END_LABELS[extra.endReason ?? 'ended_by_central']}.`);
      } else if (to === 'accepted') {
        status.decidedAt = at;
        setStage('accepted', acceptedDetails());
      } else {
        if (to === 'refused') status.decidedAt = at;
        setStage(to);
      }
    } finally {
      busy = false;
    }
  }

  const email = (step: DelegationEmailStep) =>
    sendDelegationEmails.executeWithOptions({ ...STEP_OPTIONS, summary: `Courriels : ${EMAIL_LABELS[step]}` }, [
      { delegationId: input.delegationId, workflowId, runId, step, at: new Date().toISOString() },
    ]);

  setHandler(delegationStatusQuery, () => ({ ...status }));
  setHandler(
    answerDelegationUpdate,
    async ({ decision, accountId, requestId }) => {
      await settle(decision === 'accept' ? 'accepted' : 'refused', { accountId, requestId });
      return status.stage;
    },
    {
      validator: (answer) => {
        if (answer.delegationId !== input.delegationId || status.stage !== 'requested' || busy) {
          throw ApplicationFailure.nonRetryable('This delegation request is no longer pending', 'DelegationNotPending');
        }
      },
    },
  );
  setHandler(
    endDelegationUpdate,
    async ({ reason, accountId, requestId }) => {
      // An answer being recorded finishes first; the end then applies to what it left.
      await condition(() => !busy);
      if (status.stage === 'requested' || status.stage === 'accepted') await settle('ended', { endReason: reason, accountId, requestId });
      return status.stage;
    },
    {
      validator: (end) => {
        if (end.delegationId !== input.delegationId || (status.stage !== 'requested' && status.stage !== 'accepted')) {
          throw ApplicationFailure.nonRetryable('This delegation is not living', 'DelegationNotLiving');
        }
      },
    },
  );

  upsertSearchAttributes([
    { key: searchAttributes.centralSiret, value: input.centralSiret },
    { key: searchAttributes.delegatingSiret, value: input.delegatingSiret },
  ]);

  if (status.stage === 'requested') {
    setStage('requested', `Demande du ${frenchInstant(status.requestedAt)} ; sans réponse, elle cesse d’être valable le ${frenchInstant(status.lapsesAt)}.`);
    const open = await openDelegationRequest({ delegationId: input.delegationId, lapsesAt: status.lapsesAt }).catch(() => false);
    if (!open) return finish('cancelled');
    await email('requested');

    const remindBeforeMs = Math.min(input.remindDaysBefore * DAY_MS, (lapsesAtMs - startedAt) / 2);
    const answered = () => status.stage !== 'requested' && !busy;
    if (!(await condition(answered, Math.max(1000, lapsesAtMs - remindBeforeMs - Date.now()), { summary: 'Attente de la réponse, jusqu’à la relance' }))) {
      await condition(() => !busy);
      if (status.stage === 'requested') {
        await email('reminder');
        status.reminderSentAt = new Date().toISOString();
        if (stageNow() === 'requested') setCurrentDetails(`${DETAILS.requested} Relance envoyée le ${frenchInstant(status.reminderSentAt)}.`);
      }
      if (!(await condition(answered, Math.max(1000, lapsesAtMs - Date.now()), { summary: 'Attente de la réponse, jusqu’à la caducité' }))) {
        await condition(() => !busy);
        if (status.stage === 'requested') await settle('lapsed');
      }
    }
    await condition(() => !busy);
    const outcome = stageNow(); // moved by the handlers meanwhile
    if (outcome !== 'accepted') {
      await email(outcome as DelegationEmailStep);
      return finish(outcome);
    }
    await email('accepted');
  } else {
    setStage(status.stage, acceptedDetails()); // a run continued as new
  }

  // Accepted: the run lives as long as the delegation (the end may already have come meanwhile).
  await condition(() => status.stage === 'ended' || (workflowInfo().continueAsNewSuggested && !busy));
  if (stageNow() !== 'ended') {
    await condition(allHandlersFinished);
    await continueAsNew<typeof delegationWorkflow>({ ...input, carried: { ...status } });
  }
  await email('ended');
  return finish('ended');

  async function finish(stage: DelegationStage): Promise<DelegationStage> {
    if (stage === 'cancelled') setStage('cancelled');
    await condition(allHandlersFinished);
    return stage;
  }
}
