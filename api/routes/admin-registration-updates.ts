/**
 * The operator's updates of a registration workflow (letter posted, opposition): the workflow decides,
 * and its refusals become the API's errors; anything else (Temporal down) is a 503 (`callWorkflow`).
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { callWorkflow } from '../../accounts';
import { frenchDate } from '../../domain/dates';
import { letterPostedUpdate, type LetterPostedInput, type OppositionInput, recordOppositionUpdate, workflowIds } from '../../workflows/definitions';
import type { Deps } from '../deps';
import { ApiError } from '../errors';

/** The workflow's refusals of an operator's update, as the API's errors (anything else stays a 503). */
function registrationRefusal(error: unknown): ApiError | null {
  if (error instanceof WorkflowNotFoundError) {
    return new ApiError('registration_settled', "Cette inscription est déjà réglée (confirmée, annulée ou retirée) : il n'y a plus rien à enregistrer.");
  }
  if (!(error instanceof WorkflowUpdateFailedError) || !(error.cause instanceof ApplicationFailure)) return null;
  const failure = error.cause;
  switch (failure.type) {
    case 'OppositionWindowClosed': {
      const deadline = (failure.details?.[0] as { oppositionDeadline?: string } | undefined)?.oppositionDeadline;
      return new ApiError(
        'opposition_window_closed',
        `Le délai d'opposition est écoulé${deadline ? ` (dernier jour : ${frenchDate(deadline)})` : ''} : l'inscription est confirmée. Si le représentant légal maintient sa demande, supprimez le compte comme une action ordinaire.`,
        { oppositionDeadline: deadline ?? null },
      );
    }
    case 'RegistrationSettled':
      return new ApiError('registration_settled', "Cette inscription est déjà réglée (opposition déjà enregistrée ou compte supprimé).");
    case 'LetterNotWaiting':
      return new ApiError('letter_not_waiting', "Ce courrier n'est pas en attente d'envoi : il est déjà posté, ou l'inscription est réglée.");
    case 'PostedOnInvalid':
      return new ApiError('validation_failed', "La date d'envoi doit être entre la date du courrier et aujourd'hui.", {
        errors: [{ field: 'postedOn', message: "Entre la date du courrier et aujourd'hui." }],
      });
    case 'RequestedOnInvalid':
      return new ApiError('validation_failed', 'La date de la demande ne peut pas être dans le futur.', {
        errors: [{ field: 'requestedOn', message: 'Pas dans le futur.' }],
      });
    default:
      return null;
  }
}

/** The print-and-post service posted the letter: the workflow starts the opposition window and answers its last day. */
export function markLetterPosted(deps: Deps, loginId: string, input: LetterPostedInput) {
  return callWorkflow(
    input.requestId,
    () => deps.temporal.workflow.getHandle(workflowIds.adminRegistration(loginId)).executeUpdate(letterPostedUpdate, { args: [input] }),
    { refusal: registrationRefusal },
  );
}

/** The legal representative's opposition, decided by the registration workflow (refused once the window closed). */
export function recordOpposition(deps: Deps, loginId: string, input: OppositionInput) {
  return callWorkflow(
    input.requestId,
    () => deps.temporal.workflow.getHandle(workflowIds.adminRegistration(loginId)).executeUpdate(recordOppositionUpdate, { args: [input] }),
    { refusal: registrationRefusal },
  );
}