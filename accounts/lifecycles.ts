/**
 * How the API and the activities start and signal the lifecycle workflows. The workflow IDs and
 * messages come from workflows/definitions.ts; this file only decides when.
 */
import type { Client as GrpcClient } from '@grpc/grpc-js';
import { type Client, type ConnectionLike, WorkflowNotFoundError } from '@temporalio/client';
import type { Config } from '../config/env';
import { activationWorkflow, adminRegistrationWorkflow, passwordResetWorkflow, loginIdReminderWorkflow } from '../workflows';
import { accountDeletedSignal, resendLinkSignal, searchAttributes, workflowIds } from '../workflows/definitions';
import type { PasswordLinkInput } from '../workflows/password-link';
import { RUN_VERSION } from '../workflows/run-version';
import { type LinkPurpose, passwordLinkStartMetadata } from '../workflows/password-link-story';
import { DEFAULT_REGISTRATION_DELAYS } from '../domain/admin-registration';
import { AccountRuleError, serviceUnavailable } from './errors';
import { signalExpiryChanged, startRenewalSignals, type ValidityAccount } from '../workflows/validity-client';
import type { RenewalSignalsInput } from '../workflows/validity-renewal';
import { log } from '../logging/logger';
import { noteSentOutside } from '../db/outage';

/**
 * What starting or signalling a workflow needs. The API's `Deps` is one; an activity passes
 * `{ temporal: Context.current().client, config }`.
 */
export interface LifecycleDeps {
  temporal: Client;
  config: { temporal: Pick<Config['temporal'], 'taskQueue'>; adminRegistration?: Config['adminRegistration'] };
}

/**
 * Temporal calls made on behalf of a request or inside a rule's transaction: a failure there is the
 * platform's, not the caller's (`service_unavailable`, 503 in the API), and the transaction around
 * it rolls back. A workflow's own refusal (an update validator's failure) is the caller's:
 * `refusal` turns it into the error to throw (null for anything else). `repeatable`: the call may be
 * made again if the transaction around it loses its database connection and is re-run (db/outage.ts)
 * — only a start under a workflow ID made in that same transaction, whose rolled-back run ends alone.
 */
export async function callWorkflow<T>(
  requestId: string | null | undefined,
  call: () => Promise<T>,
  { refusal = () => null, repeatable = false }: { refusal?: (error: unknown) => Error | null; repeatable?: boolean } = {},
): Promise<T> {
  noteSentOutside(repeatable);
  try {
    return await call();
  } catch (error) {
    if (error instanceof AccountRuleError) throw error;
    const refused = refusal(error);
    if (refused) throw refused;
    log.error({ requestId, err: error }, 'workflow call failed');
    throw serviceUnavailable();
  }
}

/**
 * Every Temporal call made after the reachability check (the check itself, the starts of a creation or
 * a bulk renewal, the signals) has a deadline: while Temporal is down, the Temporal client would
 * otherwise keep retrying (15 to 40 s) inside the caller's open database transaction.
 */
export const TEMPORAL_CALL_DEADLINE_MS = 5_000;
/**
 * A workflow start on a request's path (a creation, a promotion, a renewal) waits longer: a restart of
 * Temporal's history service or of its database takes several seconds (the cluster drill's phases (b)
 * and (c)), during which 5 s turned creations into 503s that a start left to wait had answered 201.
 * Still bounded, unlike the client's own retries: a Temporal stopped or crashed is found by the check
 * (its channel closes), and only a network cut that closes nothing holds a connection this long.
 */
export const TEMPORAL_START_DEADLINE_MS = 20_000;
/** The reachability check before a transaction that will start a workflow. */
export const TEMPORAL_CHECK_DEADLINE_MS = 2_000;
/** How long an answer from Temporal stands in for the reachability check, while its channel stays connected. */
export const TEMPORAL_ANSWER_STANDS_MS = 1_000;

/** When Temporal last answered a call made under a deadline, per connection. */
const lastAnswered = new WeakMap<ConnectionLike, number>();

async function withDeadline<T>(deps: LifecycleDeps, ms: number, call: () => Promise<T>): Promise<T> {
  const result = await deps.temporal.connection.withDeadline(Date.now() + ms, call);
  lastAnswered.set(deps.temporal.connection, Date.now());
  return result;
}

// grpc's connectivityState.READY. The channel is the Temporal client's own (a protected field of
// its Connection; absent from other connections, which are always checked): a server that stops or
// crashes closes its connection (GOAWAY, reset) and the channel leaves READY at once.
const CHANNEL_READY = 2;

function answeredJustNow(connection: ConnectionLike): boolean {
  const channel = (connection as { client?: Partial<GrpcClient> }).client?.getChannel?.();
  return channel?.getConnectivityState(false) === CHANNEL_READY && Date.now() - (lastAnswered.get(connection) ?? 0) < TEMPORAL_ANSWER_STANDS_MS;
}

/**
 * Asks Temporal whether it answers, before opening a transaction that will start or signal a
 * workflow: while Temporal is down the request fails here within 2 s (503), holding no database
 * connection. The call inside the transaction keeps its own deadline for an outage in between.
 * Not asked while Temporal answered less than a second ago on a channel still connected (under load,
 * hardly ever: every start's answer counts; a call per creation saved, on both sides): a stopped or
 * crashed server has closed the channel, so only an outage that closes nothing (a network cut) lets
 * the requests of that second into their transaction, where the call's deadline bounds the wait.
 */
export async function ensureTemporalReachable(deps: LifecycleDeps, requestId?: string | null): Promise<void> {
  if (answeredJustNow(deps.temporal.connection)) return;
  await callWorkflow(requestId, async () => {
    await withDeadline(deps, TEMPORAL_CHECK_DEADLINE_MS, () => deps.temporal.connection.workflowService.getSystemInfo({}));
  });
}

type AccountRef = { id: string; loginId: string };

/** Start options of a password-link workflow (activation, reset) for an account. */
function passwordLinkOptions(deps: LifecycleDeps, purpose: LinkPurpose, account: AccountRef, establishmentSiret: string) {
  return {
    workflowId: purpose === 'activation' ? workflowIds.activation(account.loginId) : workflowIds.passwordReset(account.loginId),
    ...passwordLinkStartMetadata(purpose, account.loginId, establishmentSiret),
    taskQueue: deps.config.temporal.taskQueue,
    args: [{ accountId: account.id, loginId: account.loginId, establishmentSiret, version: RUN_VERSION }] as [PasswordLinkInput],
    typedSearchAttributes: initialSearchAttributes(account.loginId, establishmentSiret, 'sending_link'),
  };
}

function initialSearchAttributes(loginId: string, siret: string, state: string) {
  return [
    { key: searchAttributes.accountLoginId, value: loginId },
    { key: searchAttributes.establishmentSiret, value: siret },
    { key: searchAttributes.lifecycleState, value: state },
  ];
}

/**
 * Starts the account's activation workflow. Called inside the creating transaction, as its last step:
 * if Temporal refuses, the account is not created either. Once the workflow sees the account
 * committed, the account's validity workflow starts too (`validity`: its eligibility check starts it).
 */
export async function startActivation(deps: LifecycleDeps, account: AccountRef & { expiresOn: string }, establishmentSiret: string) {
  const options = passwordLinkOptions(deps, 'activation', account, establishmentSiret);
  await withDeadline(deps, TEMPORAL_START_DEADLINE_MS, () =>
    deps.temporal.workflow.start(activationWorkflow, {
      ...options,
      args: [{ ...options.args[0], validity: { expiresOn: account.expiresOn } }],
    }),
  );
}

/**
 * "Renvoyer le courriel": a new link in the running workflow, or, once the previous link has died,
 * a new run under the same workflow ID ("nouvelle demande").
 */
export async function resendActivation(deps: LifecycleDeps, account: AccountRef, establishmentSiret: string) {
  await withDeadline(deps, TEMPORAL_CALL_DEADLINE_MS, () =>
    deps.temporal.workflow.signalWithStart(activationWorkflow, {
      ...passwordLinkOptions(deps, 'activation', account, establishmentSiret),
      signal: resendLinkSignal,
    }),
  );
}

/** A holder's forgotten-password request: a new reset link, the previous one dies. */
export async function requestPasswordReset(deps: LifecycleDeps, account: AccountRef, establishmentSiret: string) {
  await withDeadline(deps, TEMPORAL_CALL_DEADLINE_MS, () =>
    deps.temporal.workflow.signalWithStart(passwordResetWorkflow, {
      ...passwordLinkOptions(deps, 'password_reset', account, establishmentSiret),
      signal: resendLinkSignal,
    }),
  );
}

export async function sendLoginIdReminder(
  deps: LifecycleDeps,
  account: AccountRef,
  establishmentSiret: string,
  requestId: string,
) {
  await deps.temporal.workflow.start(loginIdReminderWorkflow, {
    workflowId: workflowIds.loginIdReminder(account.loginId, requestId),
    taskQueue: deps.config.temporal.taskQueue,
    args: [{ accountId: account.id, loginId: account.loginId, establishmentSiret, requestId }],
    typedSearchAttributes: initialSearchAttributes(account.loginId, establishmentSiret, 'sending'),
  });
}

/**
 * Starts the registration of a new admin (letter to the legal representative, opposition window).
 * Called inside the granting transaction, as its last step, like the activation.
 */
export async function startAdminRegistration(
  deps: LifecycleDeps,
  registration: { id: string; reference: string; reason: 'created' | 'promoted' },
  account: AccountRef,
  establishmentSiret: string,
) {
  const { oppositionWindowDays, letterPostingDays } = deps.config.adminRegistration ?? DEFAULT_REGISTRATION_DELAYS;
  const grant = registration.reason === 'created' ? 'création d’un compte administrateur' : 'promotion d’un utilisateur en administrateur';
  await withDeadline(deps, TEMPORAL_START_DEADLINE_MS, () =>
    deps.temporal.workflow.start(adminRegistrationWorkflow, {
      workflowId: workflowIds.adminRegistration(account.loginId),
      taskQueue: deps.config.temporal.taskQueue,
      args: [
        {
          registrationId: registration.id,
          accountId: account.id,
          loginId: account.loginId,
          establishmentSiret,
          reason: registration.reason,
          oppositionWindowDays,
          letterPostingDays,
        },
      ],
      typedSearchAttributes: [
        ...initialSearchAttributes(account.loginId, establishmentSiret, 'letter_generating'),
        { key: searchAttributes.registrationRef, value: registration.reference },
      ],
      staticSummary: `Inscription d’administrateur ${registration.reference} : ${account.loginId} (SIRET ${establishmentSiret})`,
      staticDetails: [
        `Motif : ${grant}.`,
        'Un courrier informe le représentant légal ; il peut s’opposer auprès de la DRS en citant la référence.',
        `Envoi postal attendu sous ${letterPostingDays} jours ; délai d’opposition : ${oppositionWindowDays} jours à compter de l’envoi.`,
        'Requête `status` : où en est l’inscription.',
      ].join('\n'),
    }),
  );
}

/** Tells the account's workflows (links, registration, validity) that it is gone; nothing to do when none is running. */
export async function notifyAccountDeleted(deps: LifecycleDeps, account: { loginId: string }) {
  for (const workflowId of [
    workflowIds.activation(account.loginId),
    workflowIds.passwordReset(account.loginId),
    workflowIds.adminRegistration(account.loginId),
    workflowIds.validity(account.loginId),
  ]) {
    try {
      await withDeadline(deps, TEMPORAL_CALL_DEADLINE_MS, () => deps.temporal.workflow.getHandle(workflowId).signal(accountDeletedSignal));
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
}

function validityTarget(deps: LifecycleDeps) {
  return { client: deps.temporal, taskQueue: deps.config.temporal.taskQueue };
}

/** A single renewal: the account's validity workflow follows the new expiry (started if missing). */
export async function notifyRenewal(deps: LifecycleDeps, account: ValidityAccount, establishmentSiret: string) {
  await withDeadline(deps, TEMPORAL_START_DEADLINE_MS, () => signalExpiryChanged(validityTarget(deps), account, establishmentSiret));
}

/** A bulk renewal's one Temporal call: the workflow that signals its accounts' validity workflows. */
export async function notifyBulkRenewal(deps: LifecycleDeps, batch: RenewalSignalsInput, establishmentSiret: string) {
  await withDeadline(deps, TEMPORAL_START_DEADLINE_MS, () => startRenewalSignals(validityTarget(deps), batch, establishmentSiret));
}
