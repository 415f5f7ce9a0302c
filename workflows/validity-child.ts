/**
 * The account's validity workflow as a child of its activation: how activations started before
 * version 2 (workflows/run-version.ts) start it once the creation is confirmed, so their histories
 * and runs in flight keep their path. Version 2 starts it from the activation's eligibility check
 * instead (activities/password-links.ts): a child's start cost the server events and tasks in both
 * workflows. The child outlives its parent (ParentClosePolicy ABANDON): the activation lasts 15 days,
 * the validity 18 months and more.
 */
import {
  CancellationScope,
  ParentClosePolicy,
  getExternalWorkflowHandle,
  startChild,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { accountDeletedSignal, workflowIds } from './definitions';
import { validityWorkflow } from './validity';
import { type ValidityAccount, validityStartOptions } from './validity-start';

/** The `patched()` marker of this change: activations started before it replay without the child. */
export const VALIDITY_STARTED_BY_ACTIVATION = 'activation-starts-validity';

/**
 * Resolves once the child has started, or was already running (the reconcile got there first). Not
 * cancellable: an operator's cancellation of the activation must not reach the validity workflow.
 */
export function startValidityChild(account: ValidityAccount, siret: string): Promise<void> {
  return CancellationScope.nonCancellable(async () => {
    try {
      await startChild(validityWorkflow, { ...validityStartOptions(account, siret), parentClosePolicy: ParentClosePolicy.ABANDON });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  });
}

/**
 * The account was deleted while its activation ran: the deletion also signals `validity-<loginId>`
 * itself, but that signal finds nothing when it comes before the child's start. Repeating it is
 * harmless; a validity workflow that has already ended cannot be signalled, which is fine too.
 */
export async function tellValidityOfDeletion(loginId: string): Promise<void> {
  await getExternalWorkflowHandle(workflowIds.validity(loginId))
    .signal(accountDeletedSignal)
    .catch(() => undefined);
}
