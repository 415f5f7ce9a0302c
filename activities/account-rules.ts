/**
 * The account rules (accounts/) applied from an activity: the platform acts, named by the workflow,
 * and reaches Temporal through the worker's client. A refusal fails the activity without retry (the
 * workflow decides what to do with its code); an outage is retried.
 *
 *   const scope = platformScopeOfActivity(deps.config, account.establishmentId);
 *   await asActivity(() => applyAccountAction(deps.db, scope, account.id, deleteAction([account.id])));
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { AccountRuleError, type AccountScope, type LifecycleDeps, platformScope } from '../accounts';

export function platformScopeOfActivity(config: LifecycleDeps['config'], establishmentId: string): AccountScope {
  const context = Context.current();
  return platformScope({
    // Standalone activities have no workflow: the activity then names the actor.
    workflowId: context.info.workflowExecution?.workflowId ?? `activity-${context.info.activityId}`,
    establishmentId,
    lifecycles: { temporal: context.client, config },
  });
}

/** Runs a rule; its refusal becomes a non-retryable failure typed by its code (`last_active_admin`…). */
export async function asActivity<T>(rule: () => Promise<T>): Promise<T> {
  try {
    return await rule();
  } catch (error) {
    if (error instanceof AccountRuleError && !error.retryable) {
      throw ApplicationFailure.create({ message: error.detail, type: error.code, nonRetryable: true, details: [error.extra] });
    }
    throw error;
  }
}
