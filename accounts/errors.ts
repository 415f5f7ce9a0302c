/**
 * Refusals of the account rules: a stable code and a French detail for people. The API maps each
 * code to its HTTP status (api/errors.ts); an activity turns a refusal into a non-retryable failure
 * (activities/account-rules.ts), except `service_unavailable`, which is worth retrying.
 */
import type { AccountView } from '../db/queries/accounts';
import { holderName } from '../domain/account';
import { frenchDate } from '../domain/dates';

export const RULE_CODES = [
  'not_found',
  'validation_failed',
  'account_expired',
  'last_active_admin',
  'admin_demotion_refused',
  'account_not_pending',
  'account_not_blocked',
  'account_not_admin',
  'service_unavailable',
  'internal_error',
] as const;
export type RuleCode = (typeof RULE_CODES)[number];

export interface FieldError {
  /** Dotted path of the field in the request (`rights.affiliation-cnracl`, `email`). */
  field: string;
  message: string;
}

export class AccountRuleError extends Error {
  constructor(
    readonly code: RuleCode,
    /** For people, in French. */
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; [key: string]: unknown } = {},
  ) {
    super(`${code}: ${detail}`);
    this.name = 'AccountRuleError';
  }

  /** The platform's failure (Temporal or the database did not answer), not a refusal of the rules. */
  get retryable(): boolean {
    return this.code === 'service_unavailable';
  }
}

export const ADDRESS_REQUIRED = "L'adresse professionnelle est obligatoire pour un administrateur.";

export function accountNotFound() {
  return new AccountRuleError('not_found', 'Ce compte est introuvable dans cet établissement.');
}

/** The guide: on an expired account, renewal is the only action possible. */
export function accountExpiredError(a: Pick<AccountView, 'expiresOn' | 'civility' | 'firstName' | 'lastName'>) {
  return new AccountRuleError(
    'account_expired',
    `Le compte de ${holderName(a)} a expiré le ${frenchDate(a.expiresOn)} : la seule action possible est son renouvellement. Renouvelez-le d'abord.`,
  );
}

export function unknownServicesError(errors: FieldError[]) {
  return new AccountRuleError('validation_failed', 'Certains services demandés n’existent pas : corrigez les droits indiqués.', { errors });
}

export function serviceUnavailable() {
  return new AccountRuleError(
    'service_unavailable',
    'Le service est momentanément indisponible : rien n’a été modifié. Réessayez dans quelques instants.',
  );
}
