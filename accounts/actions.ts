/**
 * The account rules, as actions for `applyAccountAction` / `applyToSelection` (accounts/apply.ts).
 * Each decides from the locked account and the scope (who acts, when); the audit entry, the
 * transaction and the expired-account rule are applied around it.
 */
import type { Transaction } from '../db/client';
import {
  accountSnapshot,
  type AccountView,
  countActiveAdmins,
  revokeOpenLinks,
  searchTextFor,
  updateAccount,
} from '../db/queries/accounts';
import { insertAdminRegistration } from '../db/queries/admin-registrations';
import { findEstablishment } from '../db/queries/establishments';
import { listServiceCodes, rightsOf, unknownServiceErrors, upsertRights } from '../db/queries/services';
import { revokeAccountSessions } from '../db/queries/sessions';
import type { NewAccount } from '../db/schema';
import type { Civility, Profile, RightLevel } from '../domain/account';
import { termsAcceptableFrom } from '../domain/dates';
import type { AccountAction, AccountScope } from './apply';
import { AccountRuleError, ADDRESS_REQUIRED, unknownServicesError } from './errors';
import { notifyAccountDeleted, resendActivation, startAdminRegistration } from './lifecycles';

export const unblockAction: AccountAction = {
  name: 'account.unblock',
  async apply(tx, scope, account) {
    if (account.status !== 'blocked') throw new AccountRuleError('account_not_blocked', "Ce compte n'est pas bloqué : il n'y a rien à débloquer.");
    const updated = await updateAccount(tx, account.id, { blockedUntil: null, failedLoginCount: 0 }, scope);
    return {
      before: { status: account.status, blockedUntil: account.blockedUntil?.toISOString() ?? null },
      after: { status: updated.status, blockedUntil: null },
      account: updated,
    };
  },
};

/**
 * « Renvoyer le courriel »: a new password-creation link (the previous one dies), in the running
 * activation workflow or in a new run once the link has expired (last step of the transaction).
 */
export const resendActivationAction: AccountAction = {
  name: 'account.resend_activation',
  async apply(tx, scope, account) {
    if (account.status !== 'pending_activation') {
      throw new AccountRuleError('account_not_pending', 'Ce compte est déjà activé : son titulaire a créé son mot de passe.');
    }
    const establishment = await findEstablishment(tx, account.establishmentId);
    return {
      before: null,
      after: null,
      account,
      lastStep: () => resendActivation(scope.lifecycles, account, establishment!.siret),
    };
  },
};

/**
 * The establishment must keep an active admin: refuses when `account` is one and no other would
 * remain once `leaving` (the accounts of the same operation) are gone. Run under the establishment lock.
 */
async function keepAnActiveAdmin(tx: Transaction, scope: AccountScope, account: AccountView, leaving: string[], detail: string) {
  if (account.profile !== 'admin' || account.status !== 'active') return;
  const remaining = await countActiveAdmins(tx, { ...scope, excludeIds: [...new Set([account.id, ...leaving])] });
  if (remaining === 0) throw new AccountRuleError('last_active_admin', detail);
}

/**
 * Deletion of accounts of `selection` (one, or a bulk selection): refused when it would leave the
 * establishment without an active admin, counting every selected account as gone. Sessions and open
 * links end; the account's link workflows are told (last step).
 */
export function deleteAction(selection: string[], options: { evenLastAdmin?: boolean } = {}): AccountAction {
  return {
    name: 'account.delete',
    locksEstablishment: true,
    allowExpired: options.evenLastAdmin,
    async apply(tx, scope, account) {
      if (!options.evenLastAdmin) await keepAnActiveAdmin(
        tx,
        scope,
        account,
        selection,
        "Supprimer ce compte ne laisserait aucun administrateur actif dans l'établissement : il doit toujours en rester au moins un. Créez ou désignez d'abord un autre administrateur.",
      );
      const rights = await rightsOf(tx, account.id);
      const updated = await updateAccount(tx, account.id, { status: 'deleted', deletedAt: scope.now }, scope);
      await revokeAccountSessions(tx, account.id, scope.now);
      await revokeOpenLinks(tx, account.id, scope.now);
      return {
        before: accountSnapshot(account, rights),
        after: { status: 'deleted', deletedAt: scope.now.toISOString() },
        account: updated,
        // After the commit: a workflow told of a deletion that then rolls back would end for an account that lives.
        afterCommit: () => notifyAccountDeleted(scope.lifecycles, account),
      };
    },
  };
}

/** What an update may change; fields left out stay as they are, rights change only for the services named. */
export interface AccountChanges {
  profile?: Profile;
  civility?: Civility;
  lastName?: string;
  firstName?: string;
  email?: string;
  phone?: string | null;
  serviceFunction?: string | null;
  professionalAddress?: string[] | null;
  rights?: Record<string, RightLevel>;
}

/**
 * Coordinates and rights, and the one profile change an admin may make: user → admin (a promotion:
 * admin since now, a registration for the legal representative's letter, sessions ended so that it
 * applies at the next login). Admin → user is refused here (the guide: delete and re-create); the
 * platform uses `demoteAction`.
 */
export function updateAction(changes: AccountChanges): AccountAction {
  return {
    name: 'account.update',
    async apply(tx, scope, account) {
      if (changes.profile === 'user' && account.profile === 'admin') {
        throw new AccountRuleError(
          'admin_demotion_refused',
          'Un compte Administrateur ne peut pas redevenir Utilisateur : supprimez le compte puis recréez-le avec le profil Utilisateur.',
        );
      }
      if (changes.rights) {
        const unknown = unknownServiceErrors(changes.rights, await listServiceCodes(tx));
        if (unknown.length > 0) throw unknownServicesError(unknown);
      }
      const promotion = changes.profile === 'admin' && account.profile === 'user';
      const willBeAdmin = promotion || account.profile === 'admin';
      const address = changes.professionalAddress === undefined ? account.professionalAddress : changes.professionalAddress;
      if (willBeAdmin && !address) {
        throw new AccountRuleError('validation_failed', ADDRESS_REQUIRED, { errors: [{ field: 'professionalAddress', message: ADDRESS_REQUIRED }] });
      }

      const set: Partial<NewAccount> = {};
      for (const field of ['civility', 'lastName', 'firstName', 'email', 'phone', 'serviceFunction'] as const) {
        const value = changes[field];
        if (value !== undefined && value !== account[field]) Object.assign(set, { [field]: value });
      }
      if (changes.professionalAddress !== undefined && JSON.stringify(changes.professionalAddress) !== JSON.stringify(account.professionalAddress)) {
        set.professionalAddress = changes.professionalAddress;
      }
      if (promotion) Object.assign(set, { profile: 'admin', adminSince: scope.now, termsAcceptableFrom: termsAcceptableFrom(scope.now) });
      if (set.lastName !== undefined || set.firstName !== undefined || set.serviceFunction !== undefined) {
        set.searchText = searchTextFor({ ...account, ...set });
      }

      const rightsBefore = await rightsOf(tx, account.id);
      const rightChanges: Record<string, RightLevel> = Object.fromEntries(
        Object.entries(changes.rights ?? {}).filter(([code, level]) => rightsBefore[code] !== level),
      );
      if (Object.keys(set).length === 0 && Object.keys(rightChanges).length === 0) return null;

      const updated = await updateAccount(tx, account.id, set, scope);
      await upsertRights(tx, account.id, rightChanges);
      let registration: { id: string; reference: string } | undefined;
      if (promotion) {
        registration = await insertAdminRegistration(tx, {
          accountId: account.id,
          establishmentId: account.establishmentId,
          reason: 'promoted',
          grantedByAccountId: scope.actor.type === 'account' ? scope.actor.account.id : null,
          grantedAt: scope.now,
        });
        await revokeAccountSessions(tx, account.id, scope.now);
      }
      const siret = registration ? (await findEstablishment(tx, account.establishmentId))!.siret : '';
      return {
        action: promotion ? 'account.promote' : undefined,
        before: accountSnapshot(account, rightsBefore),
        after: accountSnapshot(updated, { ...rightsBefore, ...rightChanges }),
        account: updated,
        // The registration workflow (letter to the legal representative) starts with the promotion, or neither happens.
        lastStep: registration
          ? () => startAdminRegistration(scope.lifecycles, { ...registration, reason: 'promoted' }, account, siret)
          : undefined,
      };
    },
  };
}

/**
 * Admin → user, decided by the platform (a lifecycle: an opposed registration, terms not accepted).
 * Refused when it would leave the establishment without an active admin; the holder's sessions end
 * so that the new profile applies at the next login. Nothing to do on a user.
 */
export const demoteAction: AccountAction = demotion({});

/**
 * `evenLastAdmin`: the legal representative's opposition prevails over the last-admin rule (the
 * establishment then has to register a new admin) and over expiry (a user promoted just before their
 * account expired); every other caller keeps both rules.
 */
export function demotion(options: { evenLastAdmin?: boolean }): AccountAction {
  return {
    name: 'account.demote',
    locksEstablishment: true,
    allowExpired: options.evenLastAdmin,
    async apply(tx, scope, account) {
      if (account.profile !== 'admin') return null;
      if (!options.evenLastAdmin) await keepAnActiveAdmin(
        tx,
        scope,
        account,
        [],
        "Retirer le profil Administrateur à ce compte ne laisserait aucun administrateur actif dans l'établissement : il doit toujours en rester au moins un.",
      );
      const updated = await updateAccount(tx, account.id, { profile: 'user', adminSince: null, termsAcceptableFrom: null }, scope);
      await revokeAccountSessions(tx, account.id, scope.now);
      return {
        before: { profile: account.profile, adminSince: account.adminSince?.toISOString() ?? null },
        after: { profile: 'user', adminSince: null },
        account: updated,
      };
    },
  };
}

/** Ends every open session of the account (the holder logs in again); allowed on an expired account. */
export const revokeSessionsAction: AccountAction = {
  name: 'account.revoke_sessions',
  allowExpired: true,
  async apply(tx, scope, account) {
    const revoked = await revokeAccountSessions(tx, account.id, scope.now);
    if (revoked === 0) return null;
    return { before: { openSessions: revoked }, after: { openSessions: 0 }, account };
  },
};
