/** Account creation, shared by an admin's « Créer un compte », the operator's first admin of an establishment, and lifecycles. */
import type { Transaction } from '../db/client';
import { type AccountCoordinates, type AccountView, createAccountRecord } from '../db/queries/accounts';
import { serviceFieldErrors } from '../db/queries/services';
import type { RightLevel } from '../domain/account';
import { auditActor } from './actor';
import type { AccountScope } from './apply';
import { AccountRuleError, unknownServicesError } from './errors';
import { findOpenRegistration } from '../db/queries/admin-registrations';
import { callWorkflow, startActivation, startAdminRegistration } from './lifecycles';

/** A new account and the SIRET of its establishment, which its workflows are started with. */
export interface NewAccount {
  account: AccountView;
  establishmentSiret: string;
}

/**
 * Inside the caller's transaction: the account, its rights (asked, else the establishment's defaults,
 * else none, over the whole catalogue) and its audit entry (one statement, which also reads the
 * establishment and the catalogue), then its admin registration. The caller ends the transaction with
 * `startAccountActivation` once everything else is written. An unknown establishment is `not_found`;
 * a right for a service the catalogue does not know, `validation_failed` field by field; neither
 * writes anything.
 */
export async function createAccount(
  tx: Transaction,
  scope: AccountScope,
  establishmentId: string,
  coordinates: AccountCoordinates,
  requestedRights: Record<string, RightLevel> | undefined,
): Promise<NewAccount> {
  const created = await createAccountRecord(tx, {
    ...scope,
    establishmentId,
    coordinates,
    requestedRights: requestedRights ?? {},
    createdByAccountId: scope.actor.type === 'account' ? scope.actor.account.id : null,
    audit: { ...auditActor(scope.actor), requestId: scope.requestId ?? null },
  });
  switch (created.outcome) {
    case 'no_establishment':
      throw new AccountRuleError('not_found', 'Établissement introuvable.');
    case 'unknown_services': {
      // In the order the request named them.
      const unknown = new Set(created.codes);
      throw unknownServicesError(serviceFieldErrors(Object.keys(requestedRights ?? {}).filter((code) => unknown.has(code))));
    }
    case 'created':
      return { account: created.account, establishmentSiret: created.establishmentSiret };
  }
}

/**
 * The last step of a creating transaction: the new account's workflows — the password-creation
 * email's (`activation-<loginId>`), which starts the account's 18-month validity (`validity-<loginId>`)
 * once it sees the account committed, and, for an admin, the registration (letter to the legal
 * representative), both at once. If Temporal refuses either, `service_unavailable` and nothing is
 * created (a run already started finds no account and ends, without email and without validity).
 */
export async function startAccountActivation(tx: Transaction, scope: AccountScope, account: AccountView, siret: string): Promise<void> {
  const registration = account.profile === 'admin' ? await findOpenRegistration(tx, account.id) : undefined;
  // Repeatable: workflow IDs of the new login id; should the transaction be re-run after a lost
  // connection (db/outage.ts), the re-run has a new login id and these runs end on their own.
  await callWorkflow(
    scope.requestId,
    () =>
      Promise.all([
        startActivation(scope.lifecycles, account, siret),
        registration && startAdminRegistration(scope.lifecycles, { ...registration, reference: registration.reference! }, account, siret),
      ]),
    { repeatable: true },
  );
}
