/**
 * Reconcile: every account that is not deleted gets its `validity-<loginId>` workflow, started when
 * missing (accounts from before the lifecycle, or a workflow an operator terminated). Run at each
 * worker start and on demand by the operator; paged, continuing as new so its history stays short.
 */
import { continueAsNew, proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

export interface ReconcileInput {
  afterId?: string | null;
  checked?: number;
}

const PAGE = 500;

const { ensureValidityWorkflows } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export async function validityReconcileWorkflow(input: ReconcileInput = {}): Promise<number> {
  let afterId = input.afterId ?? null;
  let checked = input.checked ?? 0;
  for (let page = 0; ; page++) {
    if (page === 20 || workflowInfo().continueAsNewSuggested) return continueAsNew<typeof validityReconcileWorkflow>({ afterId, checked });
    const result = await ensureValidityWorkflows({ afterId, limit: PAGE });
    checked += result.checked;
    afterId = result.lastId ?? afterId;
    setCurrentDetails(`Comptes vérifiés : ${checked} (chaque compte non supprimé a son suivi de validité).`);
    if (result.checked < PAGE) return checked;
  }
}
