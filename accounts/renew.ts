/**
 * Renewal, the one rule for one account, a selection or every account of an establishment: the new
 * expiry is the renewal day + 18 months, and it is the one action an expired account accepts.
 * A selection is renewed set-based (one UPDATE and one INSERT … SELECT of the audit entries, in one
 * transaction); its validity workflows are told by one workflow started as the transaction's last step.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client';
import { updateAccount } from '../db/queries/accounts';
import { findEstablishment } from '../db/queries/establishments';
import { recordRenewalRefusals, renewAccounts, renewalCandidates } from '../db/queries/renewals';
import { expiryFrom, frenchDate } from '../domain/dates';
import { workflowIds } from '../workflows/definitions';
import { auditActor } from './actor';
import type { AccountAction, AccountScope, SelectionResult } from './apply';
import { accountNotFound, AccountRuleError } from './errors';
import { callWorkflow, notifyBulkRenewal, notifyRenewal } from './lifecycles';

/** The new last day of validity of an account renewed today (Paris day of the scope). */
export function renewalExpiry(scope: Pick<AccountScope, 'today'>): string {
  return expiryFrom(scope.today);
}

/** One account (`POST …/renew`, the operator's renewal of an admin): its validity workflow is signalled at once. */
export const renewAction: AccountAction = {
  name: 'account.renew',
  allowExpired: true,
  async apply(tx, scope, account) {
    const updated = await updateAccount(tx, account.id, { expiresOn: renewalExpiry(scope) }, scope);
    const establishment = await findEstablishment(tx, account.establishmentId);
    return {
      before: { expiresOn: account.expiresOn, status: account.status },
      after: { expiresOn: updated.expiresOn, status: updated.status },
      account: updated,
      // The validity workflow follows the new expiry, whether the account was still valid or expired.
      lastStep: () => notifyRenewal(scope.lifecycles, updated, establishment!.siret),
    };
  },
};

/**
 * The operator (DRS) renews an admin account: the way out when every admin of an establishment has
 * expired and nobody is left to renew. Other accounts are the establishment's admins' business.
 */
export const renewAdminAction: AccountAction = {
  ...renewAction,
  async apply(tx, scope, account) {
    if (account.profile !== 'admin') {
      throw new AccountRuleError(
        'account_not_admin',
        "L'opérateur ne renouvelle que les comptes administrateur : les autres comptes sont renouvelés par un administrateur de l'établissement.",
      );
    }
    return renewAction.apply(tx, scope, account);
  },
};

/** The accounts chosen on the list screen, or all of them (« Tout sélectionner »). */
export type RenewalSelection = { ids: string[] } | { all: true };

const idsOf = (selection: RenewalSelection) => ('ids' in selection ? [...new Set(selection.ids)] : null);

/** « Vous allez renouveler les droits pour : 2 utilisateurs jusqu'au 18/09/2025 » — the guide's confirmation. */
export function renewalConfirmation(count: number, expiresOn: string): string {
  if (count === 0) return 'Aucun compte de cette sélection ne peut être renouvelé.';
  return `Vous allez renouveler les droits pour : ${count} utilisateur${count > 1 ? 's' : ''} jusqu'au ${frenchDate(expiresOn)}`;
}

/** What a renewal of the selection would do, changing nothing: the screen's confirmation before the admin confirms. */
export async function previewRenewal(db: Db, scope: AccountScope, selection: RenewalSelection) {
  const { count, missing } = await renewalCandidates(db, { establishmentId: scope.establishmentId, ids: idsOf(selection) });
  const expiresOn = renewalExpiry(scope);
  return { count, expiresOn, notFound: missing, message: renewalConfirmation(count, expiresOn) };
}

/**
 * Renews the selection in one transaction: every account found (expired ones included) gets the new
 * expiry and its `account.renew` entry (before/after, the batch's id); an id not found in the
 * establishment is reported `refused` (`not_found`) with its own entry. The validity workflows learn of
 * it from `validity-renewal-signals-<batchId>`, started as the last step: if Temporal refuses, nothing
 * is renewed (`service_unavailable`). The report lists the selection's accounts in the order given.
 */
export async function renewSelection(db: Db, scope: AccountScope, selection: RenewalSelection) {
  const ids = idsOf(selection);
  const expiresOn = renewalExpiry(scope);
  const batchId = randomUUID();
  const actor = { requestId: scope.requestId ?? null, ...auditActor(scope.actor) };
  return db.transaction(async (tx) => {
    const batch = await renewAccounts(tx, { establishmentId: scope.establishmentId, ids, expiresOn, today: scope.today, now: scope.now, batchId, actor });
    const loginIds = new Map(batch.renewed.map((a) => [a.id, a.loginId]));
    const missing = ids ? ids.filter((id) => !loginIds.has(id)) : [];
    const refusal = accountNotFound();
    await recordRenewalRefusals(tx, { establishmentId: scope.establishmentId, missing, code: refusal.code, detail: refusal.detail, actor });
    if (batch.firstAuditId !== null && batch.lastAuditId !== null) {
      const { siret } = (await findEstablishment(tx, scope.establishmentId))!;
      const signals = {
        batchId,
        establishmentId: scope.establishmentId,
        expiresOn,
        total: batch.renewed.length,
        afterAuditId: batch.firstAuditId - 1,
        lastAuditId: batch.lastAuditId,
      };
      await callWorkflow(scope.requestId, () => notifyBulkRenewal(scope.lifecycles, signals, siret));
    }
    const results: SelectionResult[] = (ids ?? batch.renewed.map((a) => a.id)).map((id) => {
      const loginId = loginIds.get(id);
      return loginId ? { id, loginId, outcome: 'done' } : { id, outcome: 'refused', code: refusal.code, message: refusal.detail };
    });
    const signalsWorkflowId = batch.renewed.length ? workflowIds.renewalFanOut(batchId) : null;
    return { done: batch.renewed.length, refused: missing.length, expiresOn, signalsWorkflowId, results };
  });
}
