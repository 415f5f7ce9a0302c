import type { Context } from 'hono';
import { hasAcceptedDelegation } from '../db/queries/delegations';
import { ApiError } from './errors';
import type { AppEnv, AuthenticatedAccount } from './env';

export function requireAccount(c: Context<AppEnv>): AuthenticatedAccount {
  const actor = c.var.actor;
  if (actor.type !== 'account') throw new ApiError('unauthenticated', 'Vous devez être connecté.');
  return actor.account;
}

export function requireOperator(c: Context<AppEnv>): void {
  if (c.var.actor.type !== 'operator') {
    throw new ApiError('unauthenticated', "Cette action est réservée à l'opérateur de la plateforme.");
  }
}

/**
 * An account reaches its own establishment and those that delegated to it. Anything else answers 404,
 * exactly as a missing establishment, so nobody learns what exists elsewhere. Admin-only operations
 * refuse users with 403 once access is established.
 */
export async function requireEstablishmentAccess(
  c: Context<AppEnv>,
  establishmentId: string,
  need: 'admin' | 'member',
): Promise<AuthenticatedAccount> {
  const account = requireAccount(c);
  const reachable =
    account.establishmentId === establishmentId ||
    (await hasAcceptedDelegation(c.var.deps.db, account.establishmentId, establishmentId));
  if (!reachable) throw new ApiError('not_found', 'Établissement introuvable.');
  c.set('auditEstablishmentId', establishmentId);
  if (need === 'admin' && account.profile !== 'admin') {
    throw new ApiError('forbidden', 'La gestion des comptes est réservée aux administrateurs.');
  }
  return account;
}
