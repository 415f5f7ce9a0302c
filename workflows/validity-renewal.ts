/**
 * The signals of one bulk renewal (`validity-renewal-signals-<batchId>`), off the request path: the
 * renewal's transaction updated the accounts and wrote their audit entries (tagged with the batch),
 * then started this workflow as its last step. It pages through those entries and tells each
 * account's validity workflow of its new expiry (signalWithStart: started if missing). Until it is
 * told, a validity workflow whose timer fires re-reads the expiry from the database anyway.
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
import { frenchDate } from '../domain/dates';
import { type RenewalSignalsStatus, renewalSignalsStatusQuery, searchAttributes } from './definitions';

export interface RenewalSignalsInput {
  batchId: string;
  establishmentId: string;
  /** The renewal's new last day of validity (YYYY-MM-DD), for the operator's reading. */
  expiresOn: string;
  total: number;
  /** The batch's audit entries lie in (afterAuditId, lastAuditId]; the cursor moves afterAuditId. */
  afterAuditId: number;
  lastAuditId: number;
  /** Carried over by continue-as-new. */
  signalled?: number;
}

export type RenewalSignalsOutcome = { signalled: number } | { signalled: 0; outcome: 'batch_not_found' };

const PAGE = 500;
const PAGES_PER_RUN = 20;

const { signalRenewedAccounts } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

// The first page: started inside the renewal's transaction, the workflow may read before the commit.
// A few quick retries cover it; after that the renewal is taken as rolled back.
const { signalRenewedAccounts: signalFirstPage } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumAttempts: 6 },
});

export async function validityRenewalSignalsWorkflow(input: RenewalSignalsInput): Promise<RenewalSignalsOutcome> {
  let cursor = input.afterAuditId;
  let signalled = input.signalled ?? 0;
  let done = false;
  setHandler(renewalSignalsStatusQuery, (): RenewalSignalsStatus => ({ total: input.total, signalled, done }));
  const describe = () =>
    `Renouvellement groupé jusqu'au ${frenchDate(input.expiresOn)} : ${signalled} suivi(s) de validité sur ${input.total} informé(s)` +
    (done ? '. Terminé.' : '.');
  upsertSearchAttributes([{ key: searchAttributes.lifecycleState, value: 'signalling' }]);
  setCurrentDetails(describe());

  for (let page = 0; cursor < input.lastAuditId; page++) {
    if (page === PAGES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof validityRenewalSignalsWorkflow>({ ...input, afterAuditId: cursor, signalled });
    }
    const first = signalled === 0 && cursor === input.afterAuditId;
    const args = { batchId: input.batchId, establishmentId: input.establishmentId, afterAuditId: cursor, lastAuditId: input.lastAuditId, limit: PAGE, expectEntries: first };
    let result;
    try {
      result = await (first ? signalFirstPage : signalRenewedAccounts)(args);
    } catch (error) {
      if (!first) throw error;
      upsertSearchAttributes([{ key: searchAttributes.lifecycleState, value: 'ended' }]);
      setCurrentDetails("Terminé : le renouvellement n'a pas été enregistré (transaction annulée), aucun suivi à informer.");
      return { signalled: 0, outcome: 'batch_not_found' };
    }
    signalled += result.signalled;
    if (result.lastAuditId === null) break;
    cursor = result.lastAuditId;
    setCurrentDetails(describe());
  }
  done = true;
  upsertSearchAttributes([{ key: searchAttributes.lifecycleState, value: 'done' }]);
  setCurrentDetails(describe());
  await condition(allHandlersFinished);
  return { signalled };
}
