/**
 * Everything the API, the worker and operators share about the workflows: IDs, search attributes,
 * signals, queries and updates. Defined once here; no workflow name or ID is spelt anywhere else.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** Custom search attributes: identifiers and states only, never names or emails (they are not encrypted). */
export const searchAttributes = {
  establishmentSiret: defineSearchAttributeKey('EstablishmentSiret', SearchAttributeType.KEYWORD),
  accountLoginId: defineSearchAttributeKey('AccountLoginId', SearchAttributeType.KEYWORD),
  lifecycleState: defineSearchAttributeKey('LifecycleState', SearchAttributeType.KEYWORD),
} as const;

/** For registering them on a server (`temporal server start-dev --search-attribute Name=Type`). */
export const SEARCH_ATTRIBUTE_TYPES = {
  EstablishmentSiret: 'Keyword',
  AccountLoginId: 'Keyword',
  LifecycleState: 'Keyword',
} as const;

export const workflowIds = {
  activation: (loginId: string) => `activation-${loginId}`,
  passwordReset: (loginId: string) => `password-reset-${loginId}`,
  loginIdReminder: (loginId: string, requestId: string) => `login-id-reminder-${loginId}-${requestId}`,
};

/** Where a password link stands; the same words are the `LifecycleState` search attribute. */
export type PasswordLinkStage = 'sending_link' | 'link_sent' | 'link_expired' | 'password_set' | 'cancelled';

export interface PasswordLinkStatus {
  stage: PasswordLinkStage;
  /** How many links this run has sent (1 = the first email). */
  linksSent: number;
  linkExpiresAt: string | null;
  settledAt: string | null;
}

export interface SubmitPasswordInput {
  /** SHA-256 of the token the holder presented; the password hash itself is staged in the database. */
  tokenHash: string;
}

export const statusQuery = defineQuery<PasswordLinkStatus>('status');
/** Admin's "renvoyer le courriel" (activation) or the holder's new request (reset): a new link, the old one dies. */
export const resendLinkSignal = defineSignal('resendLink');
/** The account was deleted: the link dies and the workflow ends. */
export const accountDeletedSignal = defineSignal('accountDeleted');
/** The holder chose a password through the link; rejected unless the link is the current, living one. */
export const submitPasswordUpdate = defineUpdate<void, [SubmitPasswordInput]>('submitPassword');
