import type { Actor } from './env';

/** The actor columns of an audit entry. */
export function auditActor(actor: Actor) {
  switch (actor.type) {
    case 'account':
      return {
        actorType: 'account' as const,
        actorAccountId: actor.account.id,
        actorLabel: actor.account.loginId,
        actorEstablishmentId: actor.account.establishmentId,
      };
    case 'operator':
      return { actorType: 'operator' as const, actorLabel: 'DRS' };
    case 'anonymous':
      return { actorType: 'anonymous' as const };
  }
}
