/**
 * How the API starts and signals the lifecycle workflows. The workflow IDs and messages come from
 * workflows/definitions.ts; this file only decides when.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { activationWorkflow, passwordResetWorkflow, loginIdReminderWorkflow } from '../workflows';
import { accountDeletedSignal, resendLinkSignal, searchAttributes, workflowIds } from '../workflows/definitions';
import type { PasswordLinkInput } from '../workflows/password-link';
import type { Deps } from './deps';

type AccountRef = { id: string; loginId: string };

/** Start options of a password-link workflow (activation, reset) for an account. */
function passwordLinkOptions(deps: Deps, workflowId: string, account: AccountRef, establishmentSiret: string) {
  return {
    workflowId,
    taskQueue: deps.config.temporal.taskQueue,
    args: [{ accountId: account.id, loginId: account.loginId, establishmentSiret }] as [PasswordLinkInput],
    typedSearchAttributes: initialSearchAttributes(account.loginId, establishmentSiret, 'sending_link'),
  };
}

function initialSearchAttributes(loginId: string, siret: string, state: string) {
  return [
    { key: searchAttributes.accountLoginId, value: loginId },
    { key: searchAttributes.establishmentSiret, value: siret },
    { key: searchAttributes.lifecycleState, value: state },
  ];
}

/**
 * Starts the account's activation workflow. Called inside the creating transaction, as its last step:
 * if Temporal refuses, the account is not created either.
 */
export async function startActivation(deps: Deps, account: AccountRef, establishmentSiret: string) {
  await deps.temporal.workflow.start(
    activationWorkflow,
    passwordLinkOptions(deps, workflowIds.activation(account.loginId), account, establishmentSiret),
  );
}

/**
 * "Renvoyer le courriel": a new link in the running workflow, or, once the previous link has died,
 * a new run under the same workflow ID ("nouvelle demande").
 */
export async function resendActivation(deps: Deps, account: AccountRef, establishmentSiret: string) {
  await deps.temporal.workflow.signalWithStart(activationWorkflow, {
    ...passwordLinkOptions(deps, workflowIds.activation(account.loginId), account, establishmentSiret),
    signal: resendLinkSignal,
  });
}

/** A holder's forgotten-password request: a new reset link, the previous one dies. */
export async function requestPasswordReset(deps: Deps, account: AccountRef, establishmentSiret: string) {
  await deps.temporal.workflow.signalWithStart(passwordResetWorkflow, {
    ...passwordLinkOptions(deps, workflowIds.passwordReset(account.loginId), account, establishmentSiret),
    signal: resendLinkSignal,
  });
}

export async function sendLoginIdReminder(
  deps: Deps,
  account: AccountRef,
  establishmentSiret: string,
  requestId: string,
) {
  await deps.temporal.workflow.start(loginIdReminderWorkflow, {
    workflowId: workflowIds.loginIdReminder(account.loginId, requestId),
    taskQueue: deps.config.temporal.taskQueue,
    args: [{ accountId: account.id, loginId: account.loginId, establishmentSiret, requestId }],
    typedSearchAttributes: initialSearchAttributes(account.loginId, establishmentSiret, 'sending'),
  });
}

/** Tells the account's link workflows that it is gone; nothing to do when none is running. */
export async function notifyAccountDeleted(deps: Deps, account: { loginId: string }) {
  for (const workflowId of [workflowIds.activation(account.loginId), workflowIds.passwordReset(account.loginId)]) {
    try {
      await deps.temporal.workflow.getHandle(workflowId).signal(accountDeletedSignal);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
}
