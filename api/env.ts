import type { Profile } from '../domain/account';
import type { Deps } from './deps';

export interface AuthenticatedAccount {
  id: string;
  establishmentId: string;
  loginId: string;
  profile: Profile;
  civility: 'monsieur' | 'madame';
  firstName: string;
  lastName: string;
}

export type Actor =
  | { type: 'account'; account: AuthenticatedAccount; sessionId: string }
  | { type: 'operator' }
  | { type: 'anonymous' };

/** Hono's typed context: what middleware puts in `c.var`. */
export interface AppEnv {
  Variables: {
    deps: Deps;
    requestId: string;
    actor: Actor;
    /** Audit action name of the current operation, so a refusal is recorded under the right name. */
    auditAction?: string;
    /** The establishment the current operation is about, once resolved. */
    auditEstablishmentId?: string;
    /** The account the current operation is about, once known. */
    auditTargetAccountId?: string;
  };
}
