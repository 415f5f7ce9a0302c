/**
 * The shape shared by activation and password reset: send a single-use link, wait until the holder
 * chooses a password, the link dies, or the account is deleted. A resend sends a new link and kills
 * the old one. Every decision about a link's validity is taken here, on workflow time.
 */
import type { Duration } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  continueAsNew,
  patched,
  allHandlersFinished,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Activities } from '../activities';
import {
  accountDeletedSignal,
  type PasswordLinkStage,
  type PasswordLinkStatus,
  resendLinkSignal,
  searchAttributes,
  statusQuery,
  submitPasswordUpdate,
} from './definitions';
import {
  type LinkPurpose,
  linkSendSummary,
  linkTimerSummary,
  passwordLinkDetails,
  type StoryStep,
} from './password-link-story';
import {
  atLeastVersion2,
  atLeastVersion3,
  atLeastVersion4,
  atLeastVersion5,
  RUN_VERSION,
  startedWithSearchAttributes,
  type VersionedInput,
} from './run-version';
import { startValidityChild, tellValidityOfDeletion, VALIDITY_STARTED_BY_ACTIVATION } from './validity-child';

export type { LinkPurpose };

export interface PasswordLinkInput extends VersionedInput {
  accountId: string;
  loginId: string;
  establishmentSiret: string;
  /** Carried over by continue-as-new so link numbers keep growing. */
  linksSentBefore?: number;
  /**
   * Activation at creation only: the account's last day of validity; this run starts the account's
   * validity workflow. Version 5: when the run leaves its first-link phase (password set, link expired,
   * a resend heard, an operator's cancellation), with the expiry the database holds then (`expiresOn`
   * here is not read). Versions 2 to 4: from the first send's eligibility check, once the creation is
   * confirmed (a client start, activities/password-links.ts); before, as this run's child
   * (workflows/validity-child.ts). Not carried over.
   */
  validity?: { expiresOn: string };
}

export type PasswordLinkOutcome = 'password_set' | 'link_expired' | 'cancelled' | 'account_not_eligible';

const LINK_RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;
// The account row may not be visible yet when the workflow starts (it is started from inside the
// creating transaction). The activity itself gives up on a row still absent after a few attempts
// (a rolled-back creation: non-retryable failure); a database that does not answer is retried
// until it does, so an outage never ends the activation as `account_not_eligible`.
const ELIGIBILITY_RETRY = { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;

const { markPasswordLinkExpired, applyStagedPassword } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: LINK_RETRY });

/**
 * The first link's check and send run as local activities: inside the workflow task that starts the
 * run, with no activity task to schedule, poll and complete on the server, and no second and third
 * workflow task to hear their results. A burst of creations is drained at the server's pace of one
 * workflow task per activation instead of five (README « Benchmark », drain). Both are idempotent
 * and short; a long outage of the database or the mail service is retried the same way (after a
 * minute of backoff, through a timer in the history). Runs begun before this change keep their
 * remote activities (`patched`), so their histories replay.
 */
export const LOCAL_LINK_ACTIVITIES_PATCH = 'link-activities-local';
const remote = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: LINK_RETRY });
const remoteEligibility = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: ELIGIBILITY_RETRY });
const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '1 minute', retry: LINK_RETRY });
const localEligibility = proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: ELIGIBILITY_RETRY });
/**
 * Version 3 (workflows/run-version.ts): the first link's check and send in one local activity, one
 * marker instead of two and one round trip fewer between the worker's workflow and activity sides
 * (README « Worker: email drain »). The check's retry: an absent row is looked for again soon.
 */
const { sendFirstPasswordLink } = proxyLocalActivities<Activities>({ startToCloseTimeout: '1 minute', retry: ELIGIBILITY_RETRY });

/**
 * A worker evicting a run from its workflow cache cancels the run's local activities, and the run
 * hears that cancellation while its workflow task is still alive (the SDK's core: `CancelAllInRun`;
 * one backing off between attempts resolves as cancelled at once). A full cache evicts its least
 * recently used run whatever it waits on: during the cluster drill's PostgreSQL restart, the first
 * sends of rolled-back creations, still retrying their read of the absent row, were the oldest, and
 * their runs closed Failed (README « Fault drill »). Such a cancellation is not an operator's (the run
 * itself is not being cancelled): version 4 sends again, the same request (idempotent by its key),
 * after a timer so that the task completes and the eviction ends first (sent again at once, the
 * pending eviction would cancel it too).
 */
const EVICTED_SEND_PAUSE = '1 second';
async function sendEvenIfEvicted<T>(send: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await send();
    } catch (error) {
      if (!isCancellation(error) || CancellationScope.current().consideredCancelled) throw error;
      await sleep(EVICTED_SEND_PAUSE);
    }
  }
}
const sendOnce = <T>(send: () => Promise<T>): Promise<T> => send();

const linkInvalid = () => ApplicationFailure.nonRetryable('This link is not the living one', 'LinkInvalid');

export async function runPasswordLink(
  purpose: LinkPurpose,
  validity: Duration,
  input: PasswordLinkInput,
): Promise<PasswordLinkOutcome> {
  let stage: PasswordLinkStage = 'sending_link';
  let linksSent = input.linksSentBefore ?? 0;
  let currentTokenHash: string | null = null;
  let linkExpiresAt: string | null = null;
  let settledAt: string | null = null;
  let resendRequested = false;
  let deleted = false;
  let passwordSet = false;
  let applying = false;
  // While a link is being sent: its email can reach the holder before the activity's completion does.
  let sending = false;
  /** Set when this run starts the account's validity workflow (activation at creation). */
  let validityStarted: Promise<void> | null = null;
  const v2 = atLeastVersion2(input);
  /**
   * Version 5: the account's validity workflow starts when the activation at creation leaves its
   * first-link phase, not in its first send. Nothing the validity does can fall due during that phase (an
   * expiry 18 months after the creation, the admins' reminder on the 20th of the month before; a link
   * lives 15 days, only a resend keeps the run longer), and a burst of creations then pays one workflow
   * start and one first task per account instead of two: the validity's start is paid at the holder's
   * password, the link's expiry, an operator's cancellation or the admin's first resend, human paced
   * (README « Following an account's validity »). It is asked of the activity the run runs at that point
   * anyway (`startsValidity()`), as versions 2 to 4 asked it of the first send's check: no activity, marker
   * or task of its own. Never for a deleted account (those activities are not run for one, and re-read it).
   */
  const validityAtEnd = atLeastVersion5(input) && input.validity !== undefined;
  const startsValidity = () => (validityAtEnd && !validityStarted ? { startValidity: true } : {});
  const validityAsked = () => {
    if (validityAtEnd) validityStarted ??= Promise.resolve();
  };
  const startValidity = v2 && input.validity !== undefined && !validityAtEnd;
  const runLocally = v2 || patched(LOCAL_LINK_ACTIVITIES_PATCH);
  const { checkLinkEligibility } = runLocally ? localEligibility : remoteEligibility;
  const { issuePasswordLink } = runLocally ? local : remote;
  // Version 3: the first send checks the account's eligibility itself, in the same local activity.
  let checkWithFirstSend = atLeastVersion3(input);
  const send = atLeastVersion4(input) ? sendEvenIfEvicted : sendOnce;

  // What the Temporal UI shows as the run's current details (French, no personal data).
  const tell = (step: StoryStep) => setCurrentDetails(passwordLinkDetails(purpose, step));
  const setStage = (next: PasswordLinkStage) => {
    stage = next;
    upsertSearchAttributes([{ key: searchAttributes.lifecycleState, value: next }]);
  };
  // The start options' search attributes: the account, the establishment and `sending_link`.
  const startAttributesGiven = startedWithSearchAttributes(input);

  setHandler(statusQuery, (): PasswordLinkStatus => ({ stage, linksSent, linkExpiresAt, settledAt }));
  setHandler(resendLinkSignal, () => {
    // A resend after the outcome is settled changes nothing.
    if (stage === 'sending_link' || stage === 'link_sent') resendRequested = true;
  });
  setHandler(accountDeletedSignal, () => {
    deleted = true;
  });
  setHandler(
    submitPasswordUpdate,
    async ({ tokenHash }) => {
      applying = true;
      try {
        // A holder quicker than the worker (the email arrived, the link is not recorded yet) waits for it.
        await condition(() => !sending);
        if (tokenHash !== currentTokenHash || deleted) throw linkInvalid();
        await applyStagedPassword({ purpose, accountId: input.accountId, tokenHash, workflowId: workflowInfo().workflowId, ...startsValidity() });
        passwordSet = true;
        validityAsked();
      } finally {
        applying = false;
      }
    },
    {
      validator: ({ tokenHash }) => {
        if (sending && !applying && !passwordSet && !deleted) return; // decided once the link is recorded
        if (stage !== 'link_sent' || applying || passwordSet || deleted || tokenHash !== currentTokenHash) throw linkInvalid();
      },
    },
  );

  if (!startAttributesGiven) {
    upsertSearchAttributes([
      { key: searchAttributes.accountLoginId, value: input.loginId },
      { key: searchAttributes.establishmentSiret, value: input.establishmentSiret },
    ]);
    setStage('sending_link');
  }

  try {
    // Versions 2 to 4: the check starts the validity workflow once it sees the creation committed.
    if (!checkWithFirstSend) {
      const eligible = await checkLinkEligibility({ purpose, accountId: input.accountId, ...(startValidity ? { startValidity } : {}) }).catch((error) => {
        if (isCancellation(error)) throw error;
        return false; // the row stayed absent (rolled-back creation) or the account is in another state
      });
      if (!eligible) return await settle('cancelled', 'account_not_eligible', { step: 'not_eligible', at: new Date() });
      // The creation is confirmed: the account's validity workflow starts now (version 2: it has, the
      // check above started it), in the same workflow task as the first link's activity. A rolled-back
      // creation (not eligible above) never gets one.
      if (startValidity) {
        validityStarted = Promise.resolve();
      } else if (input.validity && patched(VALIDITY_STARTED_BY_ACTIVATION)) {
        validityStarted = startValidityChild(
          { id: input.accountId, loginId: input.loginId, expiresOn: input.validity.expiresOn },
          input.establishmentSiret,
        );
      }
    }

    for (;;) {
      if (deleted) return await settle('cancelled', 'cancelled', { step: 'deleted', at: new Date() });
      // A resend already heard before this link goes out is folded into it, as when a resend starts a new
      // run (signalWithStart): the holder gets one link, the newest. One received during the send (for the
      // first link: during the run's first workflow task, which checks and sends) gives another.
      resendRequested = false;
      linksSent += 1;
      tell({ step: 'sending', linkNo: linksSent });
      const expiresAtMs = Date.now() + msToNumber(validity);
      sending = true;
      const request = {
        purpose,
        accountId: input.accountId,
        workflowId: workflowInfo().workflowId,
        requestKey: `${workflowInfo().runId}/${linksSent}`,
        requestNo: linksSent,
        expiresAt: new Date(expiresAtMs).toISOString(),
      };
      const summary = { summary: linkSendSummary(linksSent) };
      let link: { tokenHash: string };
      if (checkWithFirstSend) {
        checkWithFirstSend = false;
        const sent = await send(() =>
          sendFirstPasswordLink.executeWithOptions(summary, [{ ...request, ...(startValidity ? { startValidity } : {}) }]),
        ).catch(absentAccount);
        if (!sent) {
          sending = false;
          linksSent -= 1; // none went out
          return await settle('cancelled', 'account_not_eligible', { step: 'not_eligible', at: new Date() });
        }
        // Sent, so the creation is confirmed and (activation at creation) the account's validity workflow started.
        if (startValidity) validityStarted = Promise.resolve();
        link = sent;
      } else {
        // Version 5: a resend's link (the first is sent above), and with it the account's validity.
        const asked = startsValidity();
        link = await send(() => issuePasswordLink.executeWithOptions(summary, [{ ...request, ...asked }]));
        validityAsked();
      }
      currentTokenHash = link.tokenHash;
      sending = false;
      linkExpiresAt = new Date(expiresAtMs).toISOString();
      setStage('link_sent');
      tell({ step: 'waiting', linkNo: linksSent, sentAt: new Date(), expiresAt: new Date(expiresAtMs) });

      const woken = await condition(() => passwordSet || deleted || (resendRequested && !applying), validity, {
        summary: linkTimerSummary(purpose, linksSent),
      });
      if (!woken && applying) await condition(() => !applying);
      if (passwordSet) return await settle('password_set', 'password_set', { step: 'password_set', linkNo: linksSent, at: new Date() });
      if (deleted) return await settle('cancelled', 'cancelled', { step: 'deleted', at: new Date() });
      if (!woken) {
        currentTokenHash = null;
        await markPasswordLinkExpired({ purpose, accountId: input.accountId, workflowId: workflowInfo().workflowId, ...startsValidity() });
        validityAsked();
        return await settle('link_expired', 'link_expired', { step: 'link_expired', linkNo: linksSent, at: new Date() });
      }
      // A resend: loop and send a new link; the old hash is forgotten so the old link is dead.
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        await validityStarted;
        await continueAsNew<(i: PasswordLinkInput) => Promise<PasswordLinkOutcome>>({
          ...input,
          version: RUN_VERSION,
          validity: undefined,
          linksSentBefore: linksSent,
        });
      }
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // An operator's « Request Cancellation » (Temporal UI): the link dies in the database too, even
    // though this run is being cancelled, so the admin API stops showing it as valid.
    await CancellationScope.nonCancellable(async () => {
      currentTokenHash = null;
      // The account lives on: its validity starts too (version 5), as the run ends.
      await markPasswordLinkExpired({ purpose, accountId: input.accountId, workflowId: workflowInfo().workflowId, reason: 'cancelled', ...startsValidity() });
      validityAsked();
      await settle('cancelled', 'cancelled', { step: 'operator_cancelled', at: new Date() });
    });
    throw error;
  }

  /**
   * The first send's check gave up: the row stayed absent (rolled-back creation), so not eligible. Any
   * other failure of the send (an operator's cancellation, an email refused for good) ends the run as before.
   */
  function absentAccount(error: unknown): null {
    // A local activity's failure reaches the workflow as the activity threw it, a remote one wrapped.
    const failure = error instanceof ActivityFailure ? error.cause : error;
    if (failure instanceof ApplicationFailure && failure.type === 'AccountAbsent') return null;
    throw error;
  }

  async function settle(finalStage: PasswordLinkStage, outcome: PasswordLinkOutcome, step: StoryStep): Promise<PasswordLinkOutcome> {
    currentTokenHash = null;
    settledAt = new Date().toISOString();
    setStage(finalStage);
    tell(step);
    if (validityStarted) {
      await validityStarted; // a child whose start is still pending when its parent closes may never start
      if (deleted) await tellValidityOfDeletion(input.loginId);
    }
    await condition(allHandlersFinished);
    return outcome;
  }
}
