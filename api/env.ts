import type { Actor } from '../accounts/actor';
import type { Deps } from './deps';

export type { Actor, AuthenticatedAccount } from '../accounts/actor';

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
