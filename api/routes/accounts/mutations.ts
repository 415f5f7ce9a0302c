/**
 * Changes to one account, each in its own transaction with its audit entry, usable alone or over a
 * selection (bulk actions report account by account). The expiry rule lives here: on an expired
 * account only renewal passes.
 */
import type { Transaction } from '../../../db/client';
import {
  accountSnapshot,
  type AccountView,
  countActiveAdmins,
  findAccount,
  insertAdminRegistration,
  lockEstablishment,
  revokeOpenLinks,
  searchTextFor,
  updateAccount,
} from '../../../db/queries/accounts';
import { recordAudit } from '../../../db/queries/audit';
import { rightsOf, upsertRights } from '../../../db/queries/services';
import { revokeAccountSessions } from '../../../db/queries/sessions';
import type { NewAccount } from '../../../db/schema';
import type { RightLevel } from '../../../domain/account';
import { expiryFrom, termsAcceptableFrom } from '../../../domain/dates';
import { ADDRESS_REQUIRED, type UpdateAccountInput } from '../../schemas/accounts';
import { auditActor } from '../../audit';
import type { Deps } from '../../deps';
import type { Actor } from '../../env';
import { ApiError } from '../../errors';
import { notifyAccountDeleted } from '../../lifecycles';
import { accountExpiredError, accountNotFound } from './present';

/** Who acts, for which establishment, when. */
export interface ActionScope {
  deps: Deps;
  actor: Actor;
  requestId: string;
  establishmentId: string;
  now: Date;
  today: string;
}

export interface AccountChange {
  /** Audit action when it differs from the action's name (a promotion is an update). */
  action?: string;
  before: unknown;
  after: unknown;
  account: AccountView;
  /** Runs after the audit entry, still inside the transaction (a workflow signal): if it throws, all rolls back. */
  lastStep?: () => Promise<void>;
}

export interface AccountAction {
  name: string;
  allowExpired?: boolean;
  /** Changes that may lower the number of active admins take the establishment's lock first. */
  locksEstablishment?: boolean;
  /** Returns null when there was nothing to change (no audit entry then). */
  apply(tx: Transaction, scope: ActionScope, account: AccountView): Promise<AccountChange | null>;
}

/**
 * Temporal calls made from a request: a failure there is the platform's, not the caller's (503),
 * and the transaction around it rolls back.
 */
export async function callWorkflow(requestId: string, call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    console.error(JSON.stringify({ level: 'error', requestId, msg: 'workflow call failed', error: String(error) }));
    throw new ApiError('service_unavailable', 'Le service est momentanément indisponible : rien n’a été modifié. Réessayez dans quelques instants.');
  }
}

/** Applies the action to one account of the scope's establishment; throws ApiError on refusal. */
export async function applyAction(scope: ActionScope, accountId: string, action: AccountAction): Promise<AccountView> {
  return scope.deps.db.transaction(async (tx) => {
    if (action.locksEstablishment) await lockEstablishment(tx, scope.establishmentId);
    const account = await findAccount(tx, { ...scope, accountId, lock: true });
    if (!account) throw accountNotFound();
    if (account.status === 'expired' && !action.allowExpired) throw accountExpiredError(account);
    const change = await action.apply(tx, scope, account);
    if (!change) return account;
    await recordAudit(tx, {
      ...auditActor(scope.actor),
      requestId: scope.requestId,
      establishmentId: scope.establishmentId,
      targetAccountId: account.id,
      action: change.action ?? action.name,
      outcome: 'success',
      before: change.before,
      after: change.after,
    });
    if (change.lastStep) await callWorkflow(scope.requestId, change.lastStep);
    return change.account;
  });
}

export interface BulkResult {
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
export async function applyToSelection(scope: ActionScope, ids: string[], action: AccountAction) {
  const results: BulkResult[] = [];
  for (const id of [...new Set(ids)]) {
    try {
      const account = await applyAction(scope, id, action);
      results.push({ id, loginId: account.loginId, outcome: 'done' });
    } catch (error) {
      const refusal =
        error instanceof ApiError ? error : new ApiError('internal_error', 'Une erreur inattendue est survenue pour ce compte. Réessayez plus tard.');
      if (!(error instanceof ApiError)) {
        console.error(JSON.stringify({ level: 'error', requestId: scope.requestId, msg: String(error), stack: (error as Error)?.stack }));
      }
      const known = await findAccount(scope.deps.db, { ...scope, accountId: id });
      await recordAudit(scope.deps.db, {
        ...auditActor(scope.actor),
        requestId: scope.requestId,
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

// ---- The actions ----

export const renewAction: AccountAction = {
  name: 'account.renew',
  allowExpired: true,
  async apply(tx, scope, account) {
    const updated = await updateAccount(tx, account.id, { expiresOn: expiryFrom(scope.today) }, scope);
    return {
      before: { expiresOn: account.expiresOn, status: account.status },
      after: { expiresOn: updated.expiresOn, status: updated.status },
      account: updated,
    };
  },
};

export const unblockAction: AccountAction = {
  name: 'account.unblock',
  async apply(tx, scope, account) {
    if (account.status !== 'blocked') throw new ApiError('account_not_blocked', "Ce compte n'est pas bloqué : il n'y a rien à débloquer.");
    const updated = await updateAccount(tx, account.id, { blockedUntil: null, failedLoginCount: 0 }, scope);
    return {
      before: { status: account.status, blockedUntil: account.blockedUntil?.toISOString() ?? null },
      after: { status: updated.status, blockedUntil: null },
      account: updated,
    };
  },
};

/**
 * Deletion of accounts of `selection` (one, or a bulk selection): refused when it would leave the
 * establishment without an active admin, counting every selected account as gone.
 */
export function deleteAction(selection: string[]): AccountAction {
  return {
    name: 'account.delete',
    locksEstablishment: true,
    async apply(tx, scope, account) {
      if (account.profile === 'admin' && account.status === 'active') {
        const remaining = await countActiveAdmins(tx, { ...scope, excludeIds: [...new Set([account.id, ...selection])] });
        if (remaining === 0) {
          throw new ApiError(
            'last_active_admin',
            "Supprimer ce compte ne laisserait aucun administrateur actif dans l'établissement : il doit toujours en rester au moins un. Créez ou désignez d'abord un autre administrateur.",
          );
        }
      }
      const rights = await rightsOf(tx, account.id);
      const updated = await updateAccount(tx, account.id, { status: 'deleted', deletedAt: scope.now }, scope);
      await revokeAccountSessions(tx, account.id, scope.now);
      await revokeOpenLinks(tx, account.id, scope.now);
      return {
        before: accountSnapshot(account, rights),
        after: { status: 'deleted', deletedAt: scope.now.toISOString() },
        account: updated,
        lastStep: () => notifyAccountDeleted(scope.deps, account),
      };
    },
  };
}

/**
 * Coordinates and rights, and the one profile change allowed: user → admin (a promotion: admin since
 * now, a registration for the legal representative's letter, sessions ended so that it applies at
 * the next login).
 */
export function updateAction(body: UpdateAccountInput): AccountAction {
  return {
    name: 'account.update',
    async apply(tx, scope, account) {
      if (body.profile === 'user' && account.profile === 'admin') {
        throw new ApiError(
          'admin_demotion_refused',
          'Un compte Administrateur ne peut pas redevenir Utilisateur : supprimez le compte puis recréez-le avec le profil Utilisateur.',
        );
      }
      const promotion = body.profile === 'admin' && account.profile === 'user';
      const willBeAdmin = promotion || account.profile === 'admin';
      const address = body.professionalAddress === undefined ? account.professionalAddress : body.professionalAddress;
      if (willBeAdmin && !address) {
        throw new ApiError('validation_failed', ADDRESS_REQUIRED, { errors: [{ field: 'professionalAddress', message: ADDRESS_REQUIRED }] });
      }

      const set: Partial<NewAccount> = {};
      const fields = ['civility', 'lastName', 'firstName', 'email', 'phone', 'serviceFunction'] as const;
      for (const field of fields) {
        const value = body[field];
        if (value !== undefined && value !== account[field]) Object.assign(set, { [field]: value });
      }
      if (body.professionalAddress !== undefined && JSON.stringify(body.professionalAddress) !== JSON.stringify(account.professionalAddress)) {
        set.professionalAddress = body.professionalAddress;
      }
      if (promotion) Object.assign(set, { profile: 'admin', adminSince: scope.now, termsAcceptableFrom: termsAcceptableFrom(scope.now) });
      if (set.lastName !== undefined || set.firstName !== undefined || set.serviceFunction !== undefined) {
        set.searchText = searchTextFor({ ...account, ...set });
      }

      const rightsBefore = await rightsOf(tx, account.id);
      const rightChanges: Record<string, RightLevel> = Object.fromEntries(
        Object.entries(body.rights ?? {}).filter(([code, level]) => rightsBefore[code] !== level),
      );
      if (Object.keys(set).length === 0 && Object.keys(rightChanges).length === 0) return null;

      const updated = await updateAccount(tx, account.id, set, scope);
      await upsertRights(tx, account.id, rightChanges);
      if (promotion) {
        await insertAdminRegistration(tx, { accountId: account.id, establishmentId: account.establishmentId, reason: 'promoted' });
        await revokeAccountSessions(tx, account.id, scope.now);
      }
      return {
        action: promotion ? 'account.promote' : undefined,
        before: accountSnapshot(account, rightsBefore),
        after: accountSnapshot(updated, { ...rightsBefore, ...rightChanges }),
        account: updated,
      };
    },
  };
}
