/**
 * The terms of use (CGU) as the API sees them: an establishment's standing for the current version
 * (for /me, the login and the establishment's page), the enrolment of an establishment registered
 * after a publication, and an admin's acceptance through the establishment's workflow.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Transaction } from '../db/client';
import { recordAudit } from '../db/queries/audit';
import { currentTermsVersion, establishmentTermsStanding, findTarget, targetEstablishment } from '../db/queries/terms';
import { parisDay, parisMidnight } from '../domain/dates';
import { adminDelayRefusal, deadlineForLateRegistration, TERMS_STANDING_LABELS } from '../domain/terms';
import { acceptTermsUpdate, TERMS_REFUSALS, type TermsAcceptance, workflowIds } from '../workflows/definitions';
import { type Actor, auditActor, callWorkflow, type LifecycleDeps } from '../accounts';
import { startTermsWorkflow } from '../terms/lifecycles';
import type { Deps } from './deps';
import { ApiError } from './errors';

type Clock = { now: Date; today: string };

type Acceptor = { profile: string; termsAcceptableFrom: string | null };

/**
 * The instant from which an admin may accept, for the workflow to compare with its own time: the
 * start (Paris) of the account's `termsAcceptableFrom` day, or any time when no delay is pending.
 */
function acceptableInstant(account: Acceptor): Date {
  return account.termsAcceptableFrom ? parisMidnight(account.termsAcceptableFrom) : new Date(0);
}

/** The establishment's standing for the current version, seen by `account`; null when no version is in force. */
export async function termsViewFor(
  deps: Pick<Deps, 'db'>,
  account: Acceptor,
  establishmentId: string,
  clock: Clock,
) {
  const standing = await establishmentTermsStanding(deps.db, establishmentId, clock);
  if (!standing) return null;
  const admin = account.profile === 'admin';
  const delayOver = !account.termsAcceptableFrom || clock.today >= account.termsAcceptableFrom;
  return {
    version: standing.version.version,
    title: standing.version.title,
    publishedAt: standing.version.publishedAt.toISOString(),
    deadlineOn: standing.deadlineOn,
    standing: standing.standing,
    standingLabel: TERMS_STANDING_LABELS[standing.standing],
    acceptedAt: standing.acceptedAt?.toISOString() ?? null,
    acceptedByLoginId: standing.acceptedByLoginId ?? null,
    canAccept: admin && standing.standing !== 'accepted' && delayOver,
    isAdmin: admin,
    acceptableFrom: admin && !delayOver ? account.termsAcceptableFrom : null,
  };
}

export type TermsView = NonNullable<Awaited<ReturnType<typeof termsViewFor>>>;

/**
 * An establishment registered after a publication gets the version in force at once (with as long
 * to accept as the others had). Inside the registering transaction; the workflow start is its last step.
 */
export async function enrolInCurrentTerms(
  tx: Transaction,
  scope: { actor: Actor; requestId?: string | null; lifecycles: LifecycleDeps } & Clock,
  establishment: { id: string; siret: string },
): Promise<void> {
  const version = await currentTermsVersion(tx);
  if (!version) return;
  const deadlineOn = deadlineForLateRegistration({ publishedOn: parisDay(version.publishedAt), deadlineOn: version.deadlineOn }, scope.today);
  await targetEstablishment(tx, { versionId: version.id, establishmentId: establishment.id, deadlineOn });
  await recordAudit(tx, {
    ...auditActor(scope.actor),
    requestId: scope.requestId,
    establishmentId: establishment.id,
    action: 'terms.enrolled',
    outcome: 'success',
    after: { version: version.version, deadlineOn },
  });
  await callWorkflow(scope.requestId, async () => {
    await startTermsWorkflow(scope.lifecycles, version, {
      establishmentId: establishment.id,
      siret: establishment.siret,
      deadlineOn,
    });
  });
}

/**
 * An admin accepts `version` for the establishment. The workflow decides (8-day delay on its time,
 * superseded version); the first acceptance counts and a repeated one returns it.
 */
export async function acceptTerms(
  deps: Deps,
  params: {
    establishment: { id: string; siret: string };
    account: { id: string; loginId: string } & Acceptor;
    version: string;
    requestId: string;
  },
): Promise<TermsAcceptance & { alreadyAccepted: boolean }> {
  const current = await currentTermsVersion(deps.db);
  if (!current || current.version !== params.version) {
    throw new ApiError(
      'terms_version_not_current',
      current
        ? `La version en vigueur des conditions générales d'utilisation est la version ${current.version} : relisez-la puis validez-la.`
        : "Aucune version des conditions générales d'utilisation n'est en vigueur.",
      { currentVersion: current?.version ?? null },
    );
  }
  const target = await findTarget(deps.db, { versionId: current.id, establishmentId: params.establishment.id });
  if (!target) throw new ApiError('terms_version_not_current', "Votre établissement n'a pas de conditions générales d'utilisation à valider.");
  if (target.acceptedAt && target.acceptedByAccountId) {
    return {
      acceptedAt: target.acceptedAt.toISOString(),
      acceptedByAccountId: target.acceptedByAccountId,
      acceptedByLoginId: target.acceptedByLoginId ?? '',
      alreadyAccepted: true,
    };
  }
  const input = {
    accountId: params.account.id,
    loginId: params.account.loginId,
    acceptableFrom: acceptableInstant(params.account).toISOString(),
    requestId: params.requestId,
  };
  const acceptableFrom = params.account.termsAcceptableFrom;
  const handle = deps.temporal.workflow.getHandle(workflowIds.terms(current.version, params.establishment.siret));
  const update = () => handle.executeUpdate(acceptTermsUpdate, { args: [input] });
  // The workflow's refusals are the caller's (409); any other Temporal failure is the platform's (503).
  const acceptance = await callWorkflow(
    params.requestId,
    async () => {
      try {
        return await update();
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        // The campaign has not reached this establishment yet: start its workflow now (the campaign will skip it).
        await startTermsWorkflow(deps, current, {
          establishmentId: params.establishment.id,
          siret: params.establishment.siret,
          deadlineOn: target.deadlineOn,
        });
        return update();
      }
    },
    { refusal: (error) => refusal(error, acceptableFrom) ?? null },
  );
  return { ...acceptance, alreadyAccepted: acceptance.acceptedByAccountId !== params.account.id };
}

/** The workflow's refusals, in the words of the API; undefined for anything else. */
function refusal(error: unknown, acceptableFrom: string | null): ApiError | undefined {
  if (!(error instanceof WorkflowUpdateFailedError)) return undefined;
  const type = (error.cause as { type?: string } | undefined)?.type;
  if (type === TERMS_REFUSALS.adminDelay) {
    return new ApiError('terms_admin_delay', adminDelayRefusal(acceptableFrom!), { acceptableFrom });
  }
  if (type === TERMS_REFUSALS.superseded) {
    return new ApiError('terms_version_not_current', "Une version plus récente des conditions générales d'utilisation vient d'être publiée : relisez-la puis validez-la.");
  }
  return undefined;
}
