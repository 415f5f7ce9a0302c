/** Client side of the link rattrapage: its schedule, created or updated at each worker start. */
import { type Client, ScheduleOverlapPolicy } from '@temporalio/client';
import { ensureSchedule } from './schedules';
import { workflowIds } from './definitions';
import { linkReconcileWorkflow } from './link-reconcile';

/** How long a terminated link workflow's link may still look valid in the admin API, at most. */
export const LINK_RECONCILE_EVERY = '10 minutes';

function linkReconcileScheduleOptions(taskQueue: string) {
  return {
    spec: { intervals: [{ every: LINK_RECONCILE_EVERY }] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
    action: {
      type: 'startWorkflow' as const,
      workflowType: linkReconcileWorkflow,
      workflowId: workflowIds.linkReconcileSchedule(),
      taskQueue,
      args: [] as [],
      staticSummary: 'Rattrapage des liens de mot de passe des workflows arrêtés',
      staticDetails:
        'Toutes les 10 minutes : les liens (création ou réinitialisation du mot de passe) dont le workflow a été arrêté de force ' +
        "(Terminate, Reset) sont rendus inutilisables en base, pour que l'API ne les montre plus comme valables.",
    },
    memo: { description: 'Rattrapage des liens des workflows arrêtés (toutes les 10 minutes)' },
  };
}

export async function ensureLinkReconcileSchedule(client: Client, taskQueue: string): Promise<void> {
  await ensureSchedule(client, { scheduleId: workflowIds.linkReconcileSchedule(), ...linkReconcileScheduleOptions(taskQueue) });
}
