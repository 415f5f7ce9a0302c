/**
 * Account validity: one workflow per account (`validity-<loginId>`) from its creation to its
 * deletion. It waits until the account's expiry instant (midnight in Paris after the expiry day: the
 * holder can still log in on the expiry day itself), records the expiry in the establishment's
 * history and ends the holder's sessions, then waits for a renewal or a deletion. A renewal moves
 * the expiry and the workflow follows it in the same run (`valid` again, a new timer): a bulk
 * renewal of 10,000 accounts costs the server one signal and one workflow task per account, not a
 * closed run and a new one each. The run continues as new only once its history has grown past
 * HISTORY_LIMIT events (or when Temporal suggests it), carrying the state over, so the history a
 * worker replays after a cache miss stays short. Runs started before that change (no
 * `renewal-in-run` marker) still continue as new at each renewal.
 *
 * The database is the reference for the expiry date: renewals write it, and a bulk renewal signals
 * the workflows asynchronously. So when the timer fires, the workflow re-reads the expiry before
 * recording anything: a renewal whose signal is still on its way is never mistaken for an expiry.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { expiryInstant, frenchDate, reminderDayFor } from '../domain/dates';
import {
  accountDeletedSignal,
  expiryChangedSignal,
  searchAttributes,
  type ValidityStage,
  type ValidityStatus,
  validityStatusQuery,
} from './definitions';
import { atLeastVersion2, RUN_VERSION, startedWithSearchAttributes, type VersionedInput } from './run-version';

export interface ValidityInput extends VersionedInput {
  accountId: string;
  loginId: string;
  establishmentSiret: string;
  /** Last day the holder may log in (YYYY-MM-DD, Paris). */
  expiresOn: string;
  /**
   * Started from inside the account's creating transaction: first make sure the account was
   * committed (a rolled-back creation ends the run at once instead of waiting 18 months). Creations
   * made before the activation workflow started the validity itself did so; their runs, and recorded
   * histories, still need it. New creations start it once the account is committed (the activation's
   * eligibility check). Never set in version 2.
   */
  confirmAccount?: boolean;
  /** Carried over by continue-as-new. */
  renewals?: number;
  /** Carried over by continue-as-new: the run continued while expired (when the expiry was recorded). */
  expiredAt?: string;
}

export type ValidityOutcome = 'deleted' | 'account_not_found';

const { readAccountValidity, recordAccountExpired } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

// Same as activation: the row may not be visible yet when the workflow starts inside the creating
// transaction; a few quick retries cover the commit, then the creation is taken as rolled back.
// A local activity, as activation's first link (workflows/password-link.ts): the start of a
// created account's validity is one workflow task, not three. Older runs keep the remote one.
const CONFIRM_OPTIONS = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumAttempts: 6 },
} as const;
const remoteConfirm = proxyActivities<Activities>(CONFIRM_OPTIONS).confirmAccountCommitted;
const localConfirm = proxyLocalActivities<Activities>(CONFIRM_OPTIONS).confirmAccountCommitted;
export const LOCAL_CONFIRM_PATCH = 'confirm-account-local';

/**
 * Runs that follow renewals in the same run. Asked once, at the start of each run without a version
 * (workflows/run-version.ts; version 2 always follows in the run): a run started before this change
 * replays without the marker and keeps continuing as new at its next renewal (its history never meets
 * a new command); the run it continues into has version 2.
 */
export const RENEWAL_IN_RUN_PATCH = 'renewal-in-run';

/**
 * Events after which a run continues as new. A renewal followed in the run adds about 7 (signal,
 * workflow task, timer cancelled, search attributes, new timer), an expiry about 15, an ignored late
 * signal 4: some 30 renewals per run, decades of real life, while a bulk renewal's repeated or late
 * signals cannot grow it without bound. Each run then replays in a few milliseconds when the worker's
 * cache (100–500 workflows, far fewer than the open validity workflows) has evicted it, where
 * Temporal's own suggestion comes only at thousands of events.
 */
export const HISTORY_LIMIT = 250;

export async function validityWorkflow(input: ValidityInput): Promise<ValidityOutcome> {
  let expiresOn = input.expiresOn;
  let stage: ValidityStage = 'valid';
  let expiredAt: string | null = input.expiredAt ?? null;
  let renewals = input.renewals ?? 0;
  let deleted = false;
  /** A later expiry written by a renewal, that this run has not followed yet. */
  let renewedTo: string | null = null;

  const status = (): ValidityStatus => ({
    stage,
    expiresOn,
    expiresAt: expiryInstant(expiresOn).toISOString(),
    reminderOn: reminderDayFor(expiresOn),
    expiredAt,
    renewals,
  });
  setHandler(validityStatusQuery, status);
  // Renewals only ever move the expiry later (renewal day + 18 months): an older date is a late signal.
  setHandler(expiryChangedSignal, ({ expiresOn: next }) => {
    if (next > (renewedTo ?? expiresOn)) renewedTo = next;
  });
  setHandler(accountDeletedSignal, () => {
    deleted = true;
  });

  /** `attributesKnown`: the start options already gave this state and expiry (version 2, first task). */
  const show = (next: ValidityStage, attributesKnown = false) => {
    stage = next;
    if (!attributesKnown) {
      upsertSearchAttributes([
        { key: searchAttributes.lifecycleState, value: next },
        { key: searchAttributes.expiresAt, value: expiryInstant(expiresOn) },
      ]);
    }
    setCurrentDetails(details());
  };
  const details = () => {
    const day = frenchDate(expiresOn);
    switch (stage) {
      case 'valid':
        return `Compte valable jusqu'au ${day} inclus. Rappel aux administrateurs le ${frenchDate(reminderDayFor(expiresOn))}. Renouvellements suivis : ${renewals}.`;
      case 'expired':
        return `Compte expiré depuis le ${day} à minuit (heure de Paris) : le titulaire ne peut plus se connecter. En attente d'un renouvellement ou d'une suppression.`;
      case 'ended':
        return `Suivi terminé : le compte a été supprimé (dernière date d'expiration : ${day}).`;
    }
  };

  const inRun = atLeastVersion2(input) || patched(RENEWAL_IN_RUN_PATCH);
  /** Read in conditions too: a run woken by signals it ignores still ends up continuing as new. */
  const historyIsLong = () => inRun && (workflowInfo().historyLength >= HISTORY_LIMIT || workflowInfo().continueAsNewSuggested);
  const woken = () => deleted || renewedTo !== null || historyIsLong();

  // The start options (workflows/validity-start.ts) give the account, the establishment, `valid` and
  // the expiry: a version-2 run does not write them again.
  const startAttributesGiven = startedWithSearchAttributes(input);
  if (!startAttributesGiven) {
    upsertSearchAttributes([
      { key: searchAttributes.accountLoginId, value: input.loginId },
      { key: searchAttributes.establishmentSiret, value: input.establishmentSiret },
    ]);
  }
  show(input.expiredAt ? 'expired' : 'valid', startAttributesGiven && !input.expiredAt);

  if (input.confirmAccount) {
    const confirmAccountCommitted = atLeastVersion2(input) || patched(LOCAL_CONFIRM_PATCH) ? localConfirm : remoteConfirm;
    const found = await confirmAccountCommitted({ accountId: input.accountId }).catch(() => null);
    if (!found) return end('account_not_found');
  }

  for (;;) {
    if (deleted) return end('deleted');
    if (renewedTo) {
      follow(renewedTo);
      if (!inRun) return continueWithState();
    }
    if (historyIsLong()) return continueWithState();

    if (stage === 'valid') {
      const untilExpiry = expiryInstant(expiresOn).getTime() - Date.now();
      if (untilExpiry > 0) {
        await condition(woken, untilExpiry, {
          summary: `Expiration le ${frenchDate(expiresOn)} à minuit (heure de Paris)`,
        });
        continue;
      }
      // The expiry instant has come. A bulk renewal may have moved it without its signal being here yet.
      const current = await readAccountValidity({ accountId: input.accountId });
      if (!current || current.status === 'deleted') return end('deleted');
      if (current.expiresOn > expiresOn) {
        renewedTo = current.expiresOn;
        continue;
      }
      const at = new Date().toISOString();
      const record = await recordAccountExpired({ accountId: input.accountId, workflowId: workflowInfo().workflowId, expiresOn, expiredAt: at });
      if (record.outcome === 'gone') return end('deleted');
      if (record.outcome === 'moved') {
        renewedTo = record.expiresOn; // follow whatever the database holds now
        continue;
      }
      expiredAt = at;
      show('expired');
    }
    // Expired: only a renewal or a deletion moves it on.
    await condition(woken);
  }

  /** The renewal's expiry becomes this run's: valid again (also when it had expired). */
  function follow(next: string) {
    expiresOn = next;
    renewedTo = null;
    renewals += 1;
    expiredAt = null;
    show('valid');
  }

  async function continueWithState(): Promise<never> {
    await condition(allHandlersFinished);
    return continueAsNew<typeof validityWorkflow>({
      version: RUN_VERSION,
      accountId: input.accountId,
      loginId: input.loginId,
      establishmentSiret: input.establishmentSiret,
      expiresOn,
      renewals,
      ...(stage === 'expired' && expiredAt ? { expiredAt } : {}),
    });
  }

  async function end(outcome: ValidityOutcome): Promise<ValidityOutcome> {
    show('ended');
    if (outcome === 'account_not_found') setCurrentDetails("Suivi terminé : le compte n'a pas été créé (création annulée).");
    await condition(allHandlersFinished);
    return outcome;
  }
}
