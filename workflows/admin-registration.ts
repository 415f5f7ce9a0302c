/**
 * Administrator registration. An account got the admin profile (created as admin, or promoted):
 * a letter tells the establishment's legal representative, who may oppose through the DRS.
 *
 *   letter_generating → letter_waiting (→ letter_overdue after LETTER_POSTING_DAYS)
 *   → posted by the operator → awaiting_opposition until the deadline day ends (Paris)
 *   → confirmed; or opposed (the operator records it: account deleted or back to user);
 *   or cancelled (the account was deleted meanwhile).
 *
 * Every date is decided here, on workflow time; activities write and send.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  oppositionDeadline as deadlineAfterPosting,
  type RegistrationDelays,
  statedDeadline,
  windowClosesAt,
} from '../domain/admin-registration';
import { frenchDate, parisDay } from '../domain/dates';
import {
  accountDeletedSignal,
  type AdminRegistrationStage,
  type AdminRegistrationStatus,
  letterPostedUpdate,
  type OppositionResult,
  recordOppositionUpdate,
  registrationStatusQuery,
  searchAttributes,
} from './definitions';

export interface AdminRegistrationInput extends RegistrationDelays {
  registrationId: string;
  accountId: string;
  loginId: string;
  establishmentSiret: string;
  reason: 'created' | 'promoted';
}

export type AdminRegistrationOutcome = 'confirmed' | 'opposed' | 'cancelled' | 'account_not_eligible';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// Started from inside the granting transaction: the row may not be visible for a moment; after a few
// quick retries a missing registration means the transaction rolled back.
const { prepareRegistrationLetter } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumAttempts: 6 },
  summary: 'Générer et enregistrer le courrier au représentant légal',
});

const STAGE_LABELS: Record<AdminRegistrationStage, string> = {
  letter_generating: 'Courrier en préparation',
  letter_waiting: 'Courrier en attente d’envoi postal',
  letter_overdue: 'Courrier en retard : toujours pas posté',
  awaiting_opposition: 'Courrier posté : délai d’opposition en cours',
  confirmed: 'Inscription confirmée',
  opposed: 'Opposition du représentant légal : inscription annulée',
  cancelled: 'Compte supprimé : inscription sans objet',
};

export async function adminRegistrationWorkflow(input: AdminRegistrationInput): Promise<AdminRegistrationOutcome> {
  const workflowId = workflowInfo().workflowId;
  const status: AdminRegistrationStatus = {
    stage: 'letter_generating',
    reference: null,
    reason: input.reason,
    letterDate: null,
    letterOverdue: false,
    postedOn: null,
    oppositionDeadline: null,
    windowClosesAt: null,
    termsAcceptableFrom: null,
    settledAt: null,
  };
  let deleted = false;
  let posted: { postedOn: string; requestId: string } | null = null;
  let opposition: OppositionResult | null = null;
  let opposing = false;

  const setStage = (stage: AdminRegistrationStage) => {
    status.stage = stage;
    upsertSearchAttributes([{ key: searchAttributes.lifecycleState, value: stage }]);
    const lines = [
      `${STAGE_LABELS[stage]}.`,
      `Référence : ${status.reference ?? '—'} ; ${input.reason === 'created' ? 'compte créé administrateur' : 'utilisateur promu administrateur'}.`,
    ];
    if (status.letterDate) lines.push(`Courrier du ${frenchDate(status.letterDate)}${status.letterOverdue ? ' (en retard)' : ''}.`);
    if (status.postedOn) lines.push(`Posté le ${frenchDate(status.postedOn)} ; opposition possible jusqu’au ${frenchDate(status.oppositionDeadline!)} inclus.`);
    if (status.termsAcceptableFrom) lines.push(`CGU acceptables à partir du ${frenchDate(status.termsAcceptableFrom)}.`);
    setCurrentDetails(lines.join('\n'));
  };

  setHandler(registrationStatusQuery, () => ({ ...status }));
  setHandler(accountDeletedSignal, () => {
    deleted = true;
  });

  const windowOpen = () =>
    !deleted && !opposition && !opposing && !status.settledAt && (status.windowClosesAt === null || Date.now() < Date.parse(status.windowClosesAt));

  setHandler(
    letterPostedUpdate,
    async ({ postedOn, requestId }) => {
      posted = { postedOn, requestId };
      await condition(() => status.oppositionDeadline !== null || status.settledAt !== null);
      return { oppositionDeadline: status.oppositionDeadline ?? '' };
    },
    {
      validator: ({ postedOn }) => {
        if (status.stage !== 'letter_waiting' && status.stage !== 'letter_overdue') {
          throw ApplicationFailure.nonRetryable(`The letter cannot be marked posted at stage ${status.stage}`, 'LetterNotWaiting');
        }
        if (posted) throw ApplicationFailure.nonRetryable('The letter is already marked posted', 'LetterNotWaiting');
        if (postedOn < status.letterDate! || postedOn > parisDay(new Date())) {
          throw ApplicationFailure.nonRetryable(`Posting day ${postedOn} outside ${status.letterDate}..today`, 'PostedOnInvalid');
        }
      },
    },
  );

  setHandler(
    recordOppositionUpdate,
    async (request) => {
      opposing = true;
      const result = await acts.applyOpposition({ ...request, registrationId: input.registrationId });
      opposition = result;
      return result;
    },
    {
      validator: (request) => {
        if (status.stage === 'confirmed' || (status.windowClosesAt !== null && Date.now() >= Date.parse(status.windowClosesAt))) {
          throw ApplicationFailure.nonRetryable(`The opposition window closed on ${status.oppositionDeadline}`, 'OppositionWindowClosed', {
            oppositionDeadline: status.oppositionDeadline,
          });
        }
        if (!windowOpen()) throw ApplicationFailure.nonRetryable(`The registration is ${status.stage}`, 'RegistrationSettled');
        if (request.requestedOn > parisDay(new Date())) {
          throw ApplicationFailure.nonRetryable('The request day is in the future', 'RequestedOnInvalid');
        }
      },
    },
  );

  upsertSearchAttributes([
    { key: searchAttributes.accountLoginId, value: input.loginId },
    { key: searchAttributes.establishmentSiret, value: input.establishmentSiret },
    { key: searchAttributes.letterOverdue, value: false },
  ]);
  setStage('letter_generating');

  const letterDate = parisDay(new Date());
  const letter = await prepareRegistrationLetter({
    registrationId: input.registrationId,
    workflowId,
    letterDate,
    statedDeadline: statedDeadline(letterDate, input),
  }).catch(() => null);
  if (!letter) return settle('cancelled', 'account_not_eligible');
  Object.assign(status, { reference: letter.reference, letterDate: letter.letterDate, termsAcceptableFrom: letter.termsAcceptableFrom });
  upsertSearchAttributes([{ key: searchAttributes.registrationRef, value: letter.reference }]);
  setStage('letter_waiting');

  // Waiting for the print-and-post service; flagged once the posting limit passes, then still waiting.
  const inTime = await condition(() => posted !== null || deleted || opposition !== null || opposing, `${input.letterPostingDays} days`);
  if (!inTime) {
    status.letterOverdue = true;
    await acts.flagLetterOverdue({ registrationId: input.registrationId, at: new Date().toISOString() });
    upsertSearchAttributes([{ key: searchAttributes.letterOverdue, value: true }]);
    setStage('letter_overdue');
    await condition(() => posted !== null || deleted || opposition !== null || opposing);
  }

  if (!opposing && !opposition && !deleted && posted) {
    const { postedOn, requestId } = posted as { postedOn: string; requestId: string };
    const deadline = deadlineAfterPosting(postedOn, letter.statedDeadline, input);
    await acts.recordLetterPosted({ registrationId: input.registrationId, postedOn, oppositionDeadline: deadline, requestId });
    Object.assign(status, { postedOn, oppositionDeadline: deadline, windowClosesAt: windowClosesAt(deadline).toISOString() });
    setStage('awaiting_opposition');
    const remaining = Math.max(1, Date.parse(status.windowClosesAt!) - Date.now());
    await condition(() => deleted || opposition !== null || opposing, remaining);
  }

  if (opposing || opposition) {
    await condition(() => opposition !== null);
    const result = opposition!;
    await acts.sendOppositionEmails({ registrationId: input.registrationId, workflowId, result });
    return settle('opposed', 'opposed');
  }
  if (deleted) {
    await acts.cancelRegistration({ registrationId: input.registrationId });
    return settle('cancelled', 'cancelled');
  }
  await acts.confirmRegistration({ registrationId: input.registrationId });
  return settle('confirmed', 'confirmed');

  async function settle(stage: AdminRegistrationStage, outcome: AdminRegistrationOutcome): Promise<AdminRegistrationOutcome> {
    status.settledAt = new Date().toISOString();
    setStage(stage);
    await condition(allHandlersFinished);
    return outcome;
  }
}
