import { ApplicationFailure, Context } from '@temporalio/activity';
import { absentRow } from './absent-row';
import { endActivationLinkAt, lockAccountRow, setAccountColumns } from '../db/queries/accounts';
import { recordAudit, recordSentEmail } from '../db/queries/audit';
import { findLinkRecipient, type LinkRecipient, type LinkToStore } from '../db/queries/link-recipient';
import { lockWorkflowLink, openLinksOfWorkflow, revokeWorkflowLinks, useLink } from '../db/queries/one-time-tokens';
import { revokeAccountSessions } from '../db/queries/sessions';
import { accountToTrack } from '../db/queries/validity';
import { derivedToken, hashToken } from '../security/tokens';
import type { Db } from '../db/client';
import { searchAttributes } from '../workflows/definitions';
import { ensureValidity, type ValidityAccount } from '../workflows/validity-client';
import type { ActivityDeps } from './deps';
import { passwordCreationEmail, passwordResetEmail } from './emails/templates';

type Purpose = 'activation' | 'password_reset';

/** Link page for people; the token travels in the URL and nowhere else. */
export function passwordLinkUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl}/password?token=${encodeURIComponent(token)}`;
}

const AUDIT_ACTIONS = {
  activation: {
    sent: 'email.password_creation_sent',
    expired: 'activation.link_expired',
    cancelled: 'activation.link_cancelled',
    done: 'account.activated',
  },
  password_reset: {
    sent: 'email.password_reset_sent',
    expired: 'password_reset.link_expired',
    cancelled: 'password_reset.link_cancelled',
    done: 'account.password_reset',
  },
} as const;

/** The account status a link of each purpose is for. */
const ELIGIBLE_STATUS = { activation: 'pending_activation', password_reset: 'active' } as const;

/** Why a link died before being used: its time ran out, or an operator ended its workflow. */
export type LinkEnd = 'expired' | 'cancelled';

/** Revokes the open links `workflowId` issued, with one history line; nothing when none was open (a retry). */
export async function endWorkflowLinks(db: Db, params: { purpose: Purpose; accountId: string; workflowId: string; reason?: LinkEnd }) {
  const { purpose, accountId, workflowId } = params;
  const now = new Date();
  await db.transaction(async (tx) => {
    const revoked = await revokeWorkflowLinks(tx, { workflowId, accountId, now });
    if (revoked === 0) return;
    if (purpose === 'activation') await endActivationLinkAt(tx, accountId, now);
    const account = await lockAccountRow(tx, accountId);
    await recordAudit(tx, {
      actorType: 'system',
      actorLabel: workflowId,
      establishmentId: account?.establishmentId,
      targetAccountId: accountId,
      action: AUDIT_ACTIONS[purpose][params.reason ?? 'expired'],
      outcome: 'success',
    });
  });
}

/** Link number `requestNo` of a link workflow: what the workflow gives its send. */
export interface LinkRequest {
  purpose: Purpose;
  accountId: string;
  workflowId: string;
  requestKey: string;
  requestNo: number;
  expiresAt: string;
}

/** The link of a request: its token derived from the request key (a retry gets the same one), and the hash stored. */
function requestedLink(tokenSecret: string, input: LinkRequest) {
  const requestKey = `${input.workflowId}/${input.requestKey}`;
  const token = derivedToken(tokenSecret, input.purpose, requestKey);
  return { requestKey, token, tokenHash: hashToken(token) };
}

/** The link as the recipient's read stores it: for a holder in `storeIf` status only (any status when null). */
function toStore(input: LinkRequest, tokenHash: string, storeIf: LinkToStore['storeIf']): LinkToStore {
  const { purpose, workflowId, requestNo } = input;
  return { purpose, tokenHash, workflowId, requestNo, expiresAt: new Date(input.expiresAt), storeIf, now: new Date() };
}

/**
 * Version 5: what an activation at creation asks of the activity it runs as it leaves its first-link
 * phase (the password's application, the link's end at expiry or on an operator's cancellation, a
 * resend's send): start the account's validity workflow once that activity's own work is done.
 */
export interface StartsValidity {
  startValidity?: boolean;
}

export function createPasswordLinkActivities({ db, mailer, config }: ActivityDeps) {
  /**
   * Version 5: the account's validity workflow starts with the expiry the database holds now (a renewal
   * of the pending account may have moved it since the creation; its `signalWithStart` may even have
   * started the workflow: USE_EXISTING, then nothing happens), nothing for a deleted or absent account.
   * Done by the activity the run runs anyway at that point rather than by one more local activity: no
   * marker, no second round trip between the worker's workflow and activity sides (README « Choices »).
   * Eager, as in the first send of versions 2 to 4. Idempotent, so a retried activity starts no second one.
   */
  async function startValidityOf(accountId: string): Promise<void> {
    const account = await accountToTrack(db, accountId);
    if (account) await startValidityEagerly(account, account.siret);
  }

  /** Eager: the activity's client shares the worker's connection (README « Worker: email drain »). */
  function startValidityEagerly(account: ValidityAccount, siret: string): Promise<void> {
    return ensureValidity({ client: Context.current().client, taskQueue: config.temporal.taskQueue }, account, siret, { eager: true });
  }

  /**
   * The account read for a link's check: an absent row is retried a few times (the creating
   * transaction may not have committed yet), then refused for good (`AccountAbsent`); a database
   * error is thrown as it is, so Temporal retries it until the database is back. Null: the account is
   * not in the state the link is for. An activation at creation (`startValidity`, version 2 and later)
   * starts the eligible account's validity workflow here, once the creation is seen committed, rather
   * than as a child of the activation (a child's start costs the server events and tasks in both
   * workflows). Idempotent (USE_EXISTING), so a retried check or the reconcile never starts a second one.
   * `link`: stored by the same statement if the account is eligible (a first send, version 3).
   */
  async function eligibleRecipient(purpose: Purpose, accountId: string, startsValidity: boolean, link?: LinkToStore): Promise<LinkRecipient | null> {
    const row = await findLinkRecipient(db, accountId, link);
    if (!row) throw absentRow(`account ${accountId}`, { notYet: 'AccountNotFound', absent: 'AccountAbsent' });
    const { status } = row.account;
    if (status !== ELIGIBLE_STATUS[purpose]) return null;
    if (startsValidity) await startValidityEagerly(row.account, row.establishment.siret);
    return row;
  }

  /**
   * Emails the link the recipient's read stored (db/queries/link-recipient.ts: inserted once, earlier
   * links of the same purpose revoked so only the newest one works). Idempotent: the token is derived
   * from the request key, the email carries an idempotency key.
   */
  async function sendLink({ account, establishment, creator }: LinkRecipient, input: LinkRequest, { requestKey, token, tokenHash }: ReturnType<typeof requestedLink>): Promise<{ tokenHash: string }> {
    const link = passwordLinkUrl(config.api.publicBaseUrl, token);
    const siteUrl = config.api.publicBaseUrl;
    const email =
      input.purpose === 'activation'
        ? passwordCreationEmail({
            holder: account,
            createdAt: account.createdAt,
            creator,
            establishmentName: establishment.name,
            legalRepAddress: establishment.legalRepAddress,
            link,
            siteUrl,
          })
        : passwordResetEmail({ holder: account, loginId: account.loginId, link, siteUrl });
    const idempotencyKey = `${input.purpose}/${requestKey}`;
    const sent = await mailer.send({
      to: account.email,
      ...email,
      idempotencyKey,
      tags: [{ name: 'purpose', value: input.purpose }],
    });

    // One history line per email, even if this activity is retried after the send.
    await recordSentEmail(db, {
      action: AUDIT_ACTIONS[input.purpose].sent,
      actorLabel: input.workflowId,
      establishmentId: account.establishmentId,
      targetAccountId: account.id,
      detail: { idempotencyKey, emailId: sent.id, linkNo: input.requestNo, linkExpiresAt: input.expiresAt },
    });
    return { tokenHash };
  }

  return {
    /** Whether the account is in the state the link is for: asked on its own by runs before version 3 (since, the first send checks it). */
    async checkLinkEligibility({
      purpose,
      accountId,
      startValidity = false,
    }: {
      purpose: Purpose;
      accountId: string;
      /** An activation at creation (version 2): an eligible account's validity workflow starts here. */
      startValidity?: boolean;
    }): Promise<boolean> {
      return (await eligibleRecipient(purpose, accountId, startValidity)) !== null;
    },

    /**
     * A run's first link (version 3): the eligibility check and the send in one local activity, so one
     * marker and one round trip between the worker's workflow and activity sides instead of two, and
     * one read of the account (README « Worker: email drain »). Null: not eligible, nothing sent.
     */
    async sendFirstPasswordLink({ startValidity = false, ...input }: LinkRequest & StartsValidity): Promise<{ tokenHash: string } | null> {
      const link = requestedLink(config.tokenSecret, input);
      const row = await eligibleRecipient(input.purpose, input.accountId, startValidity, toStore(input, link.tokenHash, ELIGIBLE_STATUS[input.purpose]));
      return row && sendLink(row, input, link);
    },

    /** Issues link number `requestNo` (a resend, or a run's first link before version 3) and emails it. */
    async issuePasswordLink({ startValidity = false, ...input }: LinkRequest & StartsValidity): Promise<{ tokenHash: string }> {
      const link = requestedLink(config.tokenSecret, input);
      const row = await findLinkRecipient(db, input.accountId, toStore(input, link.tokenHash, null));
      if (!row) throw ApplicationFailure.nonRetryable(`account ${input.accountId} not found`, 'AccountNotFound');
      const sent = await sendLink(row, input, link);
      if (startValidity) await startValidityOf(input.accountId);
      return sent;
    },

    /**
     * The workflow's timer ran out, or an operator cancelled or terminated it: no link of this
     * workflow works any more, and the account no longer shows a living activation link.
     */
    async markPasswordLinkExpired({ startValidity = false, ...params }: { purpose: Purpose; accountId: string; workflowId: string; reason?: LinkEnd } & StartsValidity) {
      await endWorkflowLinks(db, params);
      if (startValidity) await startValidityOf(params.accountId);
    },

    /**
     * Link workflows an operator terminated (or reset: the old run is terminated) run no code of
     * their own, so their links would stay open in the database: each run closed while its
     * `LifecycleState` still said a link was out has its links revoked, unless a later run of the
     * same ID is running. Returns how many workflows had links ended.
     */
    async endLinksOfClosedWorkflows(): Promise<number> {
      const { client } = Context.current();
      const query = [
        "(WorkflowType = 'activationWorkflow' OR WorkflowType = 'passwordResetWorkflow')",
        "ExecutionStatus != 'Running'",
        `(${searchAttributes.lifecycleState.name} = 'sending_link' OR ${searchAttributes.lifecycleState.name} = 'link_sent')`,
      ].join(' AND ');
      const closed = new Set<string>();
      for await (const run of client.workflow.list({ query })) closed.add(run.workflowId);
      let ended = 0;
      for (const workflowId of closed) {
        Context.current().heartbeat(ended);
        const latest = await client.workflow.getHandle(workflowId).describe();
        if (latest.status.name === 'RUNNING') continue;
        const open = await openLinksOfWorkflow(db, workflowId);
        for (const link of open) await endWorkflowLinks(db, { ...link, workflowId, reason: 'cancelled' });
        if (open.length > 0) ended += 1;
      }
      return ended;
    },

    /**
     * The workflow accepted the holder's link: the password the API staged on the token becomes the
     * account's. Activation also makes the account active. Idempotent on the token.
     */
    async applyStagedPassword({
      purpose,
      accountId,
      tokenHash,
      workflowId,
      startValidity = false,
    }: { purpose: Purpose; accountId: string; tokenHash: string; workflowId: string } & StartsValidity) {
      await db.transaction(async (tx) => {
        const token = await lockWorkflowLink(tx, { tokenHash, workflowId, accountId });
        if (!token) throw ApplicationFailure.nonRetryable('unknown link', 'LinkInvalid');
        if (token.usedAt) return; // applied by an earlier attempt
        if (!token.stagedPasswordHash) throw ApplicationFailure.nonRetryable('no password staged for this link', 'LinkInvalid');
        const account = await lockAccountRow(tx, accountId);
        const expected = purpose === 'activation' ? 'pending_activation' : 'active';
        if (!account || account.status !== expected) {
          throw ApplicationFailure.nonRetryable(`account is ${account?.status ?? 'missing'}`, 'AccountNotEligible');
        }
        const now = new Date();
        const changes = {
          passwordHash: token.stagedPasswordHash,
          passwordChangedAt: now,
          failedLoginCount: 0,
          blockedUntil: null,
          updatedAt: now,
          ...(purpose === 'activation' ? { status: 'active' as const, activationLinkExpiresAt: null } : {}),
        };
        await setAccountColumns(tx, accountId, changes);
        await useLink(tx, token, now);
        if (purpose === 'password_reset') await revokeAccountSessions(tx, accountId, now);
        await recordAudit(tx, {
          actorType: 'account',
          actorAccountId: accountId,
          actorLabel: account.loginId,
          actorEstablishmentId: account.establishmentId,
          establishmentId: account.establishmentId,
          targetAccountId: accountId,
          action: AUDIT_ACTIONS[purpose].done,
          outcome: 'success',
          before: { status: account.status },
          after: { status: purpose === 'activation' ? 'active' : account.status, passwordChanged: true },
          detail: { workflowId },
        });
      });
      // Also after an attempt that found the password applied: the one before may have failed to start it.
      if (startValidity) await startValidityOf(accountId);
    },
  };
}
