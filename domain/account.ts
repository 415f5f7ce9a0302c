/** Vocabulary of accounts: API values in English, labels as people read them. */
export const PROFILES = ['admin', 'user'] as const;
export type Profile = (typeof PROFILES)[number];
export const PROFILE_LABELS: Record<Profile, string> = { admin: 'Administrateur', user: 'Utilisateur' };

export const CIVILITIES = ['monsieur', 'madame'] as const;
export type Civility = (typeof CIVILITIES)[number];
export const CIVILITY_LABELS: Record<Civility, string> = { monsieur: 'Monsieur', madame: 'Madame' };
export const CIVILITY_SHORT: Record<Civility, string> = { monsieur: 'M.', madame: 'Mme' };

/** What is stored; `expired` and `blocked` are read from the expiry date and the lockout end. */
export const STORED_STATUSES = ['pending_activation', 'active', 'deleted'] as const;
export type StoredStatus = (typeof STORED_STATUSES)[number];

export const ACCOUNT_STATUSES = ['pending_activation', 'active', 'expired', 'blocked', 'deleted'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];
export const STATUS_LABELS: Record<AccountStatus, string> = {
  pending_activation: "En attente d'activation",
  active: 'Actif',
  expired: 'Expiré',
  blocked: 'Bloqué',
  deleted: 'Supprimé',
};

export const RIGHT_LEVELS = ['none', 'read', 'write'] as const;
export type RightLevel = (typeof RIGHT_LEVELS)[number];
export const RIGHT_LABELS: Record<RightLevel, string> = { none: 'Aucun', read: 'Lecture seule', write: 'Modification' };

/** Lockout after repeated failures: how many in a row, and for how long. */
export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MINUTES = 30;

/** A new admin may accept a new version of the terms of use only 8 days after becoming admin. */
export const ADMIN_TERMS_DELAY_DAYS = 8;

/** « M. Jean Louty », as the guide names a holder. */
export function holderName(a: { civility: Civility; firstName: string; lastName: string }): string {
  return `${CIVILITY_SHORT[a.civility]} ${a.firstName} ${a.lastName}`;
}
