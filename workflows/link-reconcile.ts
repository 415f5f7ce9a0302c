/**
 * Rattrapage of password links whose workflow an operator terminated (or reset) in the Temporal UI:
 * such a run executes no code of its own, so this scheduled run revokes its links in the database,
 * and the admin API stops showing them as valid. A cancellation needs no rattrapage: the link
 * workflow handles it itself. Started by the `link-reconcile` schedule (every 10 minutes).
 */
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { endLinksOfClosedWorkflows } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 5 },
});

export async function linkReconcileWorkflow(): Promise<number> {
  const ended = await endLinksOfClosedWorkflows();
  setCurrentDetails(`Terminé — liens rendus inutilisables : ${ended} workflow(s) arrêté(s) par un opérateur.`);
  return ended;
}
