/**
 * How a validity workflow (`validity-<loginId>`) starts: its ID, input, search attributes and the French
 * summary and details an operator reads in the Temporal UI (no personal data). Shared by the clients that
 * start it (reconcile, renewals, an activation's eligibility check at creation: validity-client.ts) and
 * by activations from before version 2, which start it as a child: so this file stays free of client imports.
 */
import { expiryInstant, frenchDate, reminderDayFor } from '../domain/dates';
import { searchAttributes, workflowIds } from './definitions';
import { RUN_VERSION } from './run-version';
import type { ValidityInput } from './validity';

export interface ValidityAccount {
  id: string;
  loginId: string;
  expiresOn: string;
}

export function validityStartOptions(account: ValidityAccount, siret: string, extra: Partial<ValidityInput> = {}) {
  const args: [ValidityInput] = [
    { accountId: account.id, loginId: account.loginId, establishmentSiret: siret, expiresOn: account.expiresOn, version: RUN_VERSION, ...extra },
  ];
  return {
    workflowId: workflowIds.validity(account.loginId),
    args,
    typedSearchAttributes: [
      { key: searchAttributes.accountLoginId, value: account.loginId },
      { key: searchAttributes.establishmentSiret, value: siret },
      { key: searchAttributes.lifecycleState, value: 'valid' },
      { key: searchAttributes.expiresAt, value: expiryInstant(account.expiresOn) },
    ],
    staticSummary: `Validité du compte ${account.loginId} (SIRET ${siret})`,
    staticDetails:
      `Suit la validité de 18 mois du compte ${account.loginId}. Expiration prévue au démarrage du suivi : ${frenchDate(account.expiresOn)} à minuit (heure de Paris) ; ` +
      `rappel aux administrateurs le ${frenchDate(reminderDayFor(account.expiresOn))}. À l'expiration : « Expiration du compte » dans ` +
      "l'historique de l'établissement et fermeture des sessions du titulaire. Un renouvellement repousse l'expiration dans le même suivi " +
      '(détails courants, attribut ExpiresAt et requête `status` à jour) ; la suppression du compte termine le suivi.',
  };
}
