/** Who acts on accounts: a person (an account), the platform's operator (DRS), or the platform itself (a workflow). */
import type { Civility, Profile } from '../domain/account';

export interface AuthenticatedAccount {
  id: string;
  establishmentId: string;
  loginId: string;
  profile: Profile;
  civility: Civility;
  firstName: string;
  lastName: string;
}

export type Actor =
  | { type: 'account'; account: AuthenticatedAccount; sessionId: string }
  | { type: 'operator' }
  /** A lifecycle workflow acting on its own decision (« la plateforme »), named by its workflow ID. */
  | { type: 'platform'; workflowId: string }
  | { type: 'anonymous' };

/** The platform acting from a workflow (its activities): the history names the workflow. */
export function platformActor(workflowId: string): Actor {
  return { type: 'platform', workflowId };
}

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
    case 'platform':
      return { actorType: 'system' as const, actorLabel: actor.workflowId };
    case 'anonymous':
      return { actorType: 'anonymous' as const };
  }
}
