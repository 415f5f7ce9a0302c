/** Account creation, shared by an admin's « Créer un compte », the operator's first admin of an establishment, and lifecycles. */
import type { Transaction } from '../db/client';
import { type AccountCoordinates, type AccountView, createAccountRecord } from '../db/queries/accounts';
import type { CreationContext } from '../db/queries/establishments';
import { resolveRights, unknownServiceErrors } from '../db/queries/services';
import type { RightLevel } from '../domain/account';
import { auditActor } from './actor';
import type { AccountScope } from './apply';
import { unknownServicesError } from './errors';
import { findOpenRegistration } from '../db/queries/admin-registrations';
import { callWorkflow, startActivation, startAdminRegistration } from './lifecycles';

/**
 * Inside the caller's transaction: the account, its rights (asked, else the establishment's defaults,
 * else none, over the catalogue's `serviceCodes`) and its audit entry (one statement), then its admin
 * registration. The caller ends the transaction with `startAccountActivation` once everything else is
 * written.
 */
export async function createAccount(
  tx: Transaction,
  scope: AccountScope,
  establishment: Pick<CreationContext, 'id' | 'defaultRights' | 'serviceCodes'>,
  coordinates: AccountCoordinates,
  requestedRights: Record<string, RightLevel> | undefined,
): Promise<AccountView> {
  const codes = establishment.serviceCodes;
  const unknown = unknownServiceErrors(requestedRights ?? {}, codes);
  if (unknown.length > 0) throw unknownServicesError(unknown);
  const rights = resolveRights(codes, establishment.defaultRights, requestedRights);
  return createAccountRecord(tx, {
    ...scope,
    establishmentId: establishment.id,
    coordinates,
    rights,
    createdByAccountId: scope.actor.type === 'account' ? scope.actor.account.id : null,
    audit: { ...auditActor(scope.actor), requestId: scope.requestId ?? null, establishmentId: establishment.id },
  });
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
