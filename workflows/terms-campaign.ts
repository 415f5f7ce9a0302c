/**
 * The publication of a version to every establishment: one `terms-<version>-<siret>` workflow each,
 * started page by page by an activity (500 establishments a page). The campaign's own history holds
 * one activity per page, whatever the number of establishments; it continues as new when Temporal
 * suggests it. A page already (partly) started is started again harmlessly: a workflow ID runs once.
 * A newer version published meanwhile stops the fan-out (`superseded`).
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { searchAttributes, type TermsCampaignStage, type TermsCampaignStatus, termsCampaignStatusQuery } from './definitions';

export const TERMS_CAMPAIGN_PAGE_SIZE = 500;

export interface TermsCampaignInput {
  versionId: string;
  version: string;
  /** Carried over by continue-as-new: where the next page starts, and the counts so far. */
  afterEstablishmentId?: string | null;
  started?: number;
  alreadyRunning?: number;
  pages?: number;
}

const { startTermsWorkflowsPage } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  summary: `Démarre les workflows d'une page de ${TERMS_CAMPAIGN_PAGE_SIZE} établissements`,
});

export async function termsCampaignWorkflow(input: TermsCampaignInput): Promise<TermsCampaignStatus> {
  const status: TermsCampaignStatus = {
    stage: 'fanning_out',
    version: input.version,
    started: input.started ?? 0,
    alreadyRunning: input.alreadyRunning ?? 0,
    pages: input.pages ?? 0,
  };
  let after = input.afterEstablishmentId ?? null;
  setHandler(termsCampaignStatusQuery, () => status);

  const setStage = (stage: TermsCampaignStage, details: string) => {
    status.stage = stage;
    upsertSearchAttributes([{ key: searchAttributes.lifecycleState, value: stage }]);
    setCurrentDetails(details);
  };
  upsertSearchAttributes([{ key: searchAttributes.termsVersion, value: input.version }]);

  for (;;) {
    setStage('fanning_out', `Version ${input.version} : ${status.started} workflows d'établissement démarrés (${status.pages} pages)`);
    const page = await startTermsWorkflowsPage({ versionId: input.versionId, afterEstablishmentId: after, limit: TERMS_CAMPAIGN_PAGE_SIZE });
    if (page.superseded) {
      setStage('superseded', `Version ${input.version} : remplacée par une version plus récente, diffusion arrêtée`);
      break;
    }
    status.pages += 1;
    status.started += page.started;
    status.alreadyRunning += page.alreadyRunning;
    after = page.lastEstablishmentId;
    if (!after) {
      setStage('all_started', `Version ${input.version} : ${status.started + status.alreadyRunning} établissements, un workflow chacun`);
      break;
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof termsCampaignWorkflow>({
        versionId: input.versionId,
        version: input.version,
        afterEstablishmentId: after,
        started: status.started,
        alreadyRunning: status.alreadyRunning,
        pages: status.pages,
      });
    }
  }
  await condition(allHandlersFinished);
  return status;
}
