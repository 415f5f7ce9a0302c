/**
 * How the API starts the delegation workflow of a pair and hands it answers and ends. The workflow
 * ID and messages come from workflows/definitions.ts; this file only decides when.
 */
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { Config } from '../config/env';
import { delegationWorkflow } from '../workflows';
import {
  answerDelegationUpdate,
  type DelegationAnswer,
  type DelegationEnd,
  type DelegationStage,
  delegationStatusQuery,
  endDelegationUpdate,
  searchAttributes,
  workflowIds,
} from '../workflows/definitions';

/** The API's `Deps` is one. */
export interface DelegationLifecycleDeps {
  temporal: Client;
  config: { temporal: Pick<Config['temporal'], 'taskQueue'>; delegation: Config['delegation'] };
}

type DelegationRef = { id: string; centralSiret: string; delegatingSiret: string };

/**
 * Starts the pair's delegation workflow for a new request. Called inside the transaction that
 * records the request, as its last step. A run of the pair whose request is settled may still be
 * emailing its outcome: the new run waits for it (a few seconds at most). A run whose request is
 * living refuses the start: the caller reports it.
 */
export async function startDelegation(deps: DelegationLifecycleDeps, delegation: DelegationRef): Promise<'started' | 'already_running'> {
  const { answerWithinDays, remindDaysBefore } = deps.config.delegation;
  const workflowId = workflowIds.delegation(delegation.centralSiret, delegation.delegatingSiret);
  const start = () =>
    deps.temporal.workflow.start(delegationWorkflow, {
      workflowId,
      taskQueue: deps.config.temporal.taskQueue,
      args: [
        {
          delegationId: delegation.id,
          centralSiret: delegation.centralSiret,
          delegatingSiret: delegation.delegatingSiret,
          answerWithinDays,
          remindDaysBefore,
        },
      ],
      typedSearchAttributes: [
        { key: searchAttributes.centralSiret, value: delegation.centralSiret },
        { key: searchAttributes.delegatingSiret, value: delegation.delegatingSiret },
        { key: searchAttributes.lifecycleState, value: 'requested' },
      ],
      staticSummary: `Délégation de gestion : ${delegation.delegatingSiret} → centralisateur ${delegation.centralSiret}`,
      staticDetails: [
        `Établissement centralisateur : SIRET ${delegation.centralSiret}`,
        `Établissement en délégation : SIRET ${delegation.delegatingSiret}`,
        `Demande ${delegation.id} : réponse attendue sous ${answerWithinDays} jours, relance ${remindDaysBefore} jours avant la caducité.`,
        'Requête « status » : étape, dates de la demande, de la relance, de la réponse et de la fin.',
      ].join('\n'),
    });
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      return 'started';
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError) || attempt > 1) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already_running';
        throw error;
      }
      const previous = deps.temporal.workflow.getHandle(workflowId);
      const { stage } = await previous.query(delegationStatusQuery);
      if (stage === 'requested' || stage === 'accepted') return 'already_running';
      await Promise.race([previous.result().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 15_000))]);
    }
  }
}

/**
 * Sends an answer or an end to the pair's workflow and waits until it is recorded. Returns the
 * stage after it, or null when the workflow refused it (no longer pending / living).
 */
async function updateDelegation<A>(
  deps: DelegationLifecycleDeps,
  workflowId: string,
  update: UpdateDefinition<DelegationStage, [A]>,
  arg: A,
): Promise<DelegationStage | null> {
  try {
    return await deps.temporal.workflow.getHandle(workflowId).executeUpdate(update, { args: [arg] });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError || error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
}

export function answerDelegation(deps: DelegationLifecycleDeps, workflowId: string, answer: DelegationAnswer) {
  return updateDelegation(deps, workflowId, answerDelegationUpdate, answer);
}

export function endDelegation(deps: DelegationLifecycleDeps, workflowId: string, end: DelegationEnd) {
  return updateDelegation(deps, workflowId, endDelegationUpdate, end);
}
