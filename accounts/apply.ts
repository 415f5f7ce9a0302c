/**
 * How a rule changes one account: in its own transaction, with its audit entry, the establishment
 * locked when admins may be counted, and the expired-account rule (on an expired account only the
 * actions that allow it pass). Used alone or over a selection (bulk actions report account by account).
 */
import type { Db, Transaction } from '../db/client';
import { type AccountView, findAccount, lockEstablishment } from '../db/queries/accounts';
import { recordAudit } from '../db/queries/audit';
import { parisDay } from '../domain/dates';
import { type Actor, auditActor, platformActor } from './actor';
import { accountExpiredError, accountNotFound, AccountRuleError } from './errors';
import { callWorkflow, type LifecycleDeps } from './lifecycles';
import { log } from '../logging/logger';

/** Who acts, for which establishment, when, and how the rule reaches Temporal for its last step. */
export interface AccountScope {
  actor: Actor;
  /** The request at the origin (API); none when the platform acts from a workflow. */
  requestId?: string | null;
  establishmentId: string;
  now: Date;
  /** `now` as a Paris calendar day (YYYY-MM-DD). */
  today: string;
  lifecycles: LifecycleDeps;
  /**
   * Set when the rule runs inside the caller's transaction: its `afterCommit` steps are handed here,
   * for the caller to run once its own transaction has committed.
   */
  deferAfterCommit?: (step: () => Promise<void>) => void;
}

/** The platform acting from workflow `workflowId` on an establishment's accounts, now (or at `now`). */
export function platformScope(params: { workflowId: string; establishmentId: string; lifecycles: LifecycleDeps; now?: Date }): AccountScope {
  const now = params.now ?? new Date();
  return {
    actor: platformActor(params.workflowId),
    requestId: null,
    establishmentId: params.establishmentId,
    now,
    today: parisDay(now),
    lifecycles: params.lifecycles,
  };
}

export interface AccountChange {
  /** Audit action when it differs from the action's name (a promotion is an update). */
  action?: string;
  before: unknown;
  after: unknown;
  account: AccountView;
  /**
   * Runs after the audit entry, still inside the transaction (a workflow start or signal): if it
   * throws, everything rolls back (`service_unavailable`).
   */
  lastStep?: () => Promise<void>;
  /**
   * Runs once the transaction has committed (a signal that must not reach a workflow for a change
   * that could still roll back). A failure is logged, not raised: the change is done, and the
   * workflows notice it on their own later (see `afterCommitFailed`).
   */
  afterCommit?: () => Promise<void>;
}

export interface AccountAction {
  name: string;
  allowExpired?: boolean;
  /** Changes that may lower the number of active admins take the establishment's lock first. */
  locksEstablishment?: boolean;
  /** Returns null when there was nothing to change (no audit entry then). Throws AccountRuleError to refuse. */
  apply(tx: Transaction, scope: AccountScope, account: AccountView): Promise<AccountChange | null>;
}

/**
 * Applies the action to one account of the scope's establishment; throws AccountRuleError on refusal
 * (nothing written then). Given a transaction, it runs in a savepoint of it.
 */
export async function applyAccountAction(db: Db, scope: AccountScope, accountId: string, action: AccountAction): Promise<AccountView> {
  if (isTransaction(db) && !scope.deferAfterCommit) throw new Error('inside a transaction, the scope needs deferAfterCommit');
  let afterCommit: (() => Promise<void>) | undefined;
  const view = await db.transaction(async (tx) => {
    if (action.locksEstablishment) await lockEstablishment(tx, scope.establishmentId);
    const account = await findAccount(tx, { ...scope, accountId, lock: true });
    if (!account) throw accountNotFound();
    if (account.status === 'expired' && !action.allowExpired) throw accountExpiredError(account);
    const change = await action.apply(tx, scope, account);
    if (!change) return account;
    await recordAudit(tx, {
      ...auditActor(scope.actor),
      requestId: scope.requestId ?? null,
      establishmentId: scope.establishmentId,
      targetAccountId: account.id,
      action: change.action ?? action.name,
      outcome: 'success',
      before: change.before,
      after: change.after,
    });
    if (change.lastStep) await callWorkflow(scope.requestId, change.lastStep);
    afterCommit = change.afterCommit;
    return change.account;
  });
  if (afterCommit) {
    if (scope.deferAfterCommit) scope.deferAfterCommit(afterCommit);
    else await runAfterCommit(scope, afterCommit);
  }
  return view;
}

/** Runs a step after the commit; the change stands whatever it does (see AccountChange.afterCommit). */
export async function runAfterCommit(scope: Pick<AccountScope, 'requestId'>, step: () => Promise<void>): Promise<void> {
  await step().catch((error: unknown) => afterCommitFailed(scope.requestId, error));
}

function afterCommitFailed(requestId: string | null | undefined, error: unknown) {
  log.warn({ requestId, err: error }, 'step after commit failed; the workflows notice the change on their own');
}

/** Drizzle's transaction objects (and savepoints) can roll back; the database handle cannot. */
function isTransaction(db: Db): boolean {
  return 'rollback' in db;
}

export interface SelectionResult {
  id: string;
  loginId?: string;
  outcome: 'done' | 'refused';
  code?: string;
  message?: string;
}

/**
 * The action on each selected account, one transaction each: a refusal (expired account, last admin...)
 * leaves the others done, gets its own `refused` audit entry, and is reported with its code and message.
 */
export async function applyToSelection(db: Db, scope: AccountScope, ids: string[], action: AccountAction) {
  const results: SelectionResult[] = [];
  for (const id of [...new Set(ids)]) {
    try {
      const account = await applyAccountAction(db, scope, id, action);
      results.push({ id, loginId: account.loginId, outcome: 'done' });
    } catch (error) {
      const refusal =
        error instanceof AccountRuleError
          ? error
          : new AccountRuleError('internal_error', 'Une erreur inattendue est survenue pour ce compte. Réessayez plus tard.');
      if (!(error instanceof AccountRuleError)) {
        log.error({ requestId: scope.requestId, err: error }, 'account rule failed');
      }
      const known = await findAccount(db, { ...scope, accountId: id });
      await recordAudit(db, {
        ...auditActor(scope.actor),
        requestId: scope.requestId ?? null,
        establishmentId: scope.establishmentId,
        targetAccountId: known?.id ?? null,
        action: action.name,
        outcome: 'refused',
        detail: { code: refusal.code, detail: refusal.detail, accountId: id },
      });
      results.push({ id, loginId: known?.loginId, outcome: 'refused', code: refusal.code, message: refusal.detail });
    }
  }
  const done = results.filter((r) => r.outcome === 'done').length;
  return { done, refused: results.length - done, results };
}
