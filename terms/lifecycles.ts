/**
 * How the API and the activities start the terms-of-use workflows: one per (version, establishment),
 * and the campaign that fans a version out. IDs, attributes and messages come from
 * workflows/definitions.ts; this file builds the start options once.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { LifecycleDeps } from '../accounts';
import type { TermsVersionSummary } from '../db/queries/terms';
import { frenchDate } from '../domain/dates';
import { deadlineInstant, reminderInstants } from '../domain/terms';
import { termsCampaignWorkflow, termsWorkflow } from '../workflows';
import { searchAttributes, workflowIds } from '../workflows/definitions';
import type { TermsInput } from '../workflows/terms';

type TermsVersionRef = Pick<TermsVersionSummary, 'id' | 'version' | 'reminderDaysBefore' | 'previousVersion'>;
type TermsTarget = { establishmentId: string; siret: string; deadlineOn: string };

/**
 * Start options of one establishment's terms-of-use workflow. A workflow ID runs once
 * (REJECT_DUPLICATE): the campaign, a registration and an acceptance may all try to start it.
 */
export function termsWorkflowOptions(taskQueue: string, version: TermsVersionRef, target: TermsTarget) {
  const deadline = deadlineInstant(target.deadlineOn);
  const input: TermsInput = {
    versionId: version.id,
    version: version.version,
    establishmentId: target.establishmentId,
    siret: target.siret,
    deadline: deadline.toISOString(),
    deadlineLabel: frenchDate(target.deadlineOn),
    reminders: reminderInstants(target.deadlineOn, version.reminderDaysBefore).map((r) => ({ daysBefore: r.daysBefore, at: r.at.toISOString() })),
    previousVersion: version.previousVersion,
  };
  return {
    workflowId: workflowIds.terms(version.version, target.siret),
    taskQueue,
    args: [input] as [TermsInput],
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
    typedSearchAttributes: [
      { key: searchAttributes.termsVersion, value: version.version },
      { key: searchAttributes.establishmentSiret, value: target.siret },
      { key: searchAttributes.lifecycleState, value: 'notifying' },
    ],
    staticSummary: `CGU ${version.version} — établissement ${target.siret}`,
    staticDetails: [
      `Conditions générales d'utilisation, version ${version.version}, pour l'établissement SIRET ${target.siret}.`,
      `Un administrateur doit les valider avant le ${input.deadlineLabel}.`,
      `Rappels : ${input.reminders.map((r) => `J-${r.daysBefore}`).join(', ') || 'aucun'}.`,
    ].join('\n'),
  };
}

/** Starts one establishment's workflow; false when it already runs (or ran) under its ID. */
export async function startTermsWorkflow(deps: LifecycleDeps, version: TermsVersionRef, target: TermsTarget): Promise<boolean> {
  try {
    await deps.temporal.workflow.start(termsWorkflow, termsWorkflowOptions(deps.config.temporal.taskQueue, version, target));
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}

/** The fan-out of a version; started inside the publishing transaction, as its last step. */
export async function startTermsCampaign(deps: LifecycleDeps, version: Pick<TermsVersionSummary, 'id' | 'version' | 'deadlineOn'>, establishments: number) {
  await deps.temporal.workflow.start(termsCampaignWorkflow, {
    workflowId: workflowIds.termsCampaign(version.version),
    taskQueue: deps.config.temporal.taskQueue,
    args: [{ versionId: version.id, version: version.version }],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: [
      { key: searchAttributes.termsVersion, value: version.version },
      { key: searchAttributes.lifecycleState, value: 'fanning_out' },
    ],
    staticSummary: `Diffusion des CGU ${version.version}`,
    staticDetails: `Démarre un workflow terms-${version.version}-<SIRET> pour chacun des ${establishments} établissements, par pages. Date limite : avant le ${frenchDate(version.deadlineOn)}.`,
  });
}
