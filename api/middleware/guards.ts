/**
 * Route middleware that decides who may call before the request is validated: an anonymous caller
 * gets 401, a user 403 and another establishment 404, whatever the body holds. They also name the
 * audit action early, so that a refusal is recorded under it.
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { requireAccount, requireEstablishmentAccess, requireOperator } from '../access';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';

const uuid = z.uuid();

/** The establishment id of the path; one that is not a UUID cannot exist (404, after authentication). */
function establishmentOfPath(c: Context<AppEnv>): string {
  const establishmentId = c.req.param('establishmentId') ?? '';
  if (!uuid.safeParse(establishmentId).success) {
    requireAccount(c);
    throw new ApiError('not_found', 'Établissement introuvable.');
  }
  return establishmentId;
}

/** An account reaching the establishment of the path (its own, or a delegating one), as admin or any member. */
export function establishmentAccess(need: 'admin' | 'member', auditAction?: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (auditAction) c.set('auditAction', auditAction);
    const establishmentId = establishmentOfPath(c);
    await requireEstablishmentAccess(c, establishmentId, need);
    const accountId = c.req.param('accountId');
    if (accountId && uuid.safeParse(accountId).success) c.set('auditTargetAccountId', accountId);
    await next();
  });
}

export function operatorOnly(auditAction?: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (auditAction) c.set('auditAction', auditAction);
    requireOperator(c);
    await next();
  });
}

export function accountOnly(auditAction?: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (auditAction) c.set('auditAction', auditAction);
    requireAccount(c);
    await next();
  });
}

/** An account or the operator. */
export function anyAuthenticated() {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.var.actor.type === 'anonymous') throw new ApiError('unauthenticated', 'Vous devez être connecté.');
    await next();
  });
}

/**
 * An admin of the establishment of the path itself, not one acting for it by delegation: a
 * delegation is answered, asked and ended by the establishment's own admins. Elsewhere 404, as
 * everywhere; acting by delegation 403.
 */
export function ownEstablishmentAdmin(auditAction?: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (auditAction) c.set('auditAction', auditAction);
    const establishmentId = establishmentOfPath(c);
    const account = await requireEstablishmentAccess(c, establishmentId, 'admin');
    if (account.establishmentId !== establishmentId) {
      throw new ApiError('forbidden', "Seuls les administrateurs de l'établissement gèrent ses délégations.");
    }
    await next();
  });
}
