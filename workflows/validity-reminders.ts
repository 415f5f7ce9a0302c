/**
 * The monthly reminder (run by the `validity-reminders` schedule on the 20th, morning, Paris time):
 * for every establishment with accounts expiring in the next calendar month, one email per active
 * admin. Establishments are paged; each is its own activity, a few at a time, so one establishment's
 * failure (after its retries) is reported and does not block the others. The run continues as new
 * every few pages to keep its history short. Sending is idempotent per (establishment, month,
 * recipient): a re-run, a retry or a manual trigger of the same month sends nothing twice.
 */
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { frenchMonth, reminderExpiryMonth } from '../domain/dates';
import { type ReminderRunStatus, reminderRunStatusQuery, searchAttributes } from './definitions';

export interface ReminderRunInput {
  /** YYYY-MM of the expiry month; absent = the month after the scheduled (or start) day. */
  expiryMonth?: string;
  /** Carried over by continue-as-new. */
  afterEstablishmentId?: string | null;
  totals?: ReminderRunStatus['totals'];
}

const PAGE = 200;
const PARALLEL = 10;
/** The `patched()` marker of the sliding window (runs begun before it replay with batches). */
export const REMINDERS_IN_FLIGHT = 'reminders-in-flight';

type ReminderResult = { sent: number; admins: number; accounts: number; everyAdminExpires: boolean };
const PAGES_PER_RUN = 10;

const { listReminderEstablishments } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

// Bounded retries: an establishment that keeps failing is reported, the run goes on with the others.
const { sendEstablishmentReminder } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** The schedule's scheduled time: a run catching up on the 24th still covers the month of its 20th. */
const scheduledStart = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export async function validityRemindersWorkflow(input: ReminderRunInput = {}): Promise<ReminderRunStatus['totals']> {
  const expiryMonth = input.expiryMonth ?? reminderExpiryMonth(workflowInfo().typedSearchAttributes.get(scheduledStart) ?? new Date());
  const totals = input.totals ?? { establishments: 0, emailsSent: 0, accounts: 0, withoutAdmin: 0, failed: [] as string[] };
  let cursor = input.afterEstablishmentId ?? null;
  let done = false;

  setHandler(reminderRunStatusQuery, (): ReminderRunStatus => ({ expiryMonth, done, afterEstablishmentId: cursor, totals }));
  upsertSearchAttributes([{ key: searchAttributes.lifecycleState, value: 'sending' }]);
  const describe = () =>
    `Rappel des comptes expirant en ${frenchMonth(expiryMonth)} : ${totals.establishments} établissement(s) traité(s), ` +
    `${totals.emailsSent} courriel(s) envoyé(s), ${totals.accounts} compte(s) signalé(s)` +
    (totals.withoutAdmin ? `, ${totals.withoutAdmin} établissement(s) sans administrateur actif` : '') +
    (totals.failed.length ? `, ${totals.failed.length} en échec : ${totals.failed.slice(0, 20).join(', ')}` : '') +
    (done ? '. Terminé.' : '.');
  setCurrentDetails(describe());

  const count = (establishmentId: string, r: PromiseSettledResult<ReminderResult>) => {
    totals.establishments += 1;
    if (r.status === 'rejected') totals.failed.push(establishmentId);
    else {
      totals.emailsSent += r.value.sent;
      totals.accounts += r.value.accounts;
      if (r.value.admins === 0) totals.withoutAdmin += 1;
    }
  };
  const remind = (establishmentId: string) => sendEstablishmentReminder({ establishmentId, expiryMonth });
  /** Runs begun before the sliding window: batches of PARALLEL, each waiting for its slowest establishment. */
  const remindInBatches = async (ids: string[]) => {
    for (let i = 0; i < ids.length; i += PARALLEL) {
      const batch = ids.slice(i, i + PARALLEL);
      const results = await Promise.allSettled(batch.map(remind));
      results.forEach((r, j) => count(batch[j]!, r));
      setCurrentDetails(describe());
    }
  };
  /** PARALLEL establishments in flight: the next starts as soon as any ends. */
  const remindInFlight = async (ids: string[]) => {
    let next = 0;
    const lane = async () => {
      while (next < ids.length) {
        const establishmentId = ids[next++]!;
        const [result] = await Promise.allSettled([remind(establishmentId)]);
        count(establishmentId, result!);
        setCurrentDetails(describe());
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, lane));
  };
  const slidingWindow = patched(REMINDERS_IN_FLIGHT);

  for (let page = 0; ; page++) {
    if (page === PAGES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof validityRemindersWorkflow>({ expiryMonth, afterEstablishmentId: cursor, totals });
    }
    const ids = await listReminderEstablishments({ expiryMonth, afterId: cursor, limit: PAGE });
    if (slidingWindow) await remindInFlight(ids);
    else await remindInBatches(ids);
    if (ids.length > 0) cursor = ids[ids.length - 1]!;
    if (ids.length < PAGE) break;
  }
  done = true;
  upsertSearchAttributes([{ key: searchAttributes.lifecycleState, value: totals.failed.length ? 'done_with_failures' : 'done' }]);
  setCurrentDetails(describe());
  await condition(allHandlersFinished);
  return totals;
}
