/**
 * Client side of the validity lifecycle: how the API and the worker's activities (reconcile, renewal
 * signals) start and signal `validity-<loginId>`. Not part of the workflow bundle.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { expiryInstant, frenchDate, reminderDayFor } from '../domain/dates';
import { expiryChangedSignal, searchAttributes, workflowIds } from './definitions';
import { type ValidityInput, validityWorkflow } from './validity';

export interface ValidityAccount {
  id: string;
  loginId: string;
  expiresOn: string;
}

export interface ValidityTarget {
  client: Client;
  taskQueue: string;
}

/** Start options, with the French summary and details an operator reads in the Temporal UI (no personal data). */
export function validityStartOptions(taskQueue: string, account: ValidityAccount, siret: string, extra: Partial<ValidityInput> = {}) {
  const args: [ValidityInput] = [
    { accountId: account.id, loginId: account.loginId, establishmentSiret: siret, expiresOn: account.expiresOn, ...extra },
  ];
  return {
    workflowId: workflowIds.validity(account.loginId),
    taskQueue,
    args,
    typedSearchAttributes: [
      { key: searchAttributes.accountLoginId, value: account.loginId },
      { key: searchAttributes.establishmentSiret, value: siret },
      { key: searchAttributes.lifecycleState, value: 'valid' },
      { key: searchAttributes.expiresAt, value: expiryInstant(account.expiresOn) },
    ],
    staticSummary: `Validité du compte ${account.loginId} (SIRET ${siret})`,
    staticDetails:
      `Suit la validité de 18 mois du compte ${account.loginId}. Expiration prévue : ${frenchDate(account.expiresOn)} à minuit (heure de Paris) ; ` +
      `rappel aux administrateurs le ${frenchDate(reminderDayFor(account.expiresOn))}. À l'expiration : « Expiration du compte » dans ` +
      "l'historique de l'établissement et fermeture des sessions du titulaire. Un renouvellement repousse l'expiration ; la suppression du compte termine le suivi.",
  };
}

/** Starts the account's validity workflow; at creation it is the last step of the creating transaction. */
export async function startValidity(target: ValidityTarget, account: ValidityAccount, siret: string, extra: Partial<ValidityInput> = {}) {
  await target.client.workflow.start(validityWorkflow, validityStartOptions(target.taskQueue, account, siret, extra));
}

/** Starts the workflow unless one already runs under its ID (reconcile): idempotent. */
export async function ensureValidity(target: ValidityTarget, account: ValidityAccount, siret: string): Promise<void> {
  await target.client.workflow.start(validityWorkflow, {
    ...validityStartOptions(target.taskQueue, account, siret),
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/**
 * A renewal moved the expiry: the running workflow follows it. When none runs (an account from before
 * the lifecycle, not reconciled yet), this starts it with the new expiry.
 */
export async function signalExpiryChanged(target: ValidityTarget, account: ValidityAccount, siret: string) {
  try {
    await target.client.workflow.getHandle(workflowIds.validity(account.loginId)).signal(expiryChangedSignal, { expiresOn: account.expiresOn });
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    await startValidity(target, account, siret);
  }
}
