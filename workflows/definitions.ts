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
  termsVersion: defineSearchAttributeKey('TermsVersion', SearchAttributeType.KEYWORD),
  /** The admin registration's reference, the one the legal representative quotes (`ADM-000042`). */
  registrationRef: defineSearchAttributeKey('RegistrationRef', SearchAttributeType.KEYWORD),
  /** True once a registration letter waited longer than LETTER_POSTING_DAYS to be posted (stays true). */
  letterOverdue: defineSearchAttributeKey('LetterOverdue', SearchAttributeType.BOOL),
  /** Validity: the instant the account becomes expired (midnight, Paris time, after its expiry day). */
  expiresAt: defineSearchAttributeKey('ExpiresAt', SearchAttributeType.DATETIME),
  centralSiret: defineSearchAttributeKey('CentralSiret', SearchAttributeType.KEYWORD),
  delegatingSiret: defineSearchAttributeKey('DelegatingSiret', SearchAttributeType.KEYWORD),
} as const;

/** For registering them on a server (`temporal server start-dev --search-attribute Name=Type`). */
export const SEARCH_ATTRIBUTE_TYPES = {
  EstablishmentSiret: 'Keyword',
  AccountLoginId: 'Keyword',
  LifecycleState: 'Keyword',
  TermsVersion: 'Keyword',
  RegistrationRef: 'Keyword',
  LetterOverdue: 'Bool',
  ExpiresAt: 'Datetime',
  CentralSiret: 'Keyword',
  DelegatingSiret: 'Keyword',
} as const;

export const workflowIds = {
  activation: (loginId: string) => `activation-${loginId}`,
  passwordReset: (loginId: string) => `password-reset-${loginId}`,
  loginIdReminder: (loginId: string, requestId: string) => `login-id-reminder-${loginId}-${requestId}`,
  /** One establishment's acceptance of one version of the terms of use. */
  terms: (version: string, siret: string) => `terms-${version}-${siret}`,
  /** The fan-out of a version to every establishment. */
  termsCampaign: (version: string) => `terms-campaign-${version}`,
  /** One run per admin grant; a grant after a cancelled registration is a new run under the same ID. */
  adminRegistration: (loginId: string) => `admin-registration-${loginId}`,
  validity: (loginId: string) => `validity-${loginId}`,
  /** Tells a bulk renewal's validity workflows of their new expiry, off the request path; one per renewal batch. */
  renewalFanOut: (batchId: string) => `validity-renewal-signals-${batchId}`,
  /** Starts the missing validity workflows (accounts created before the lifecycle existed). */
  validityReconcile: () => 'validity-reconcile',
  /** The monthly reminder schedule; its runs are `validity-reminders-<scheduled time>`. */
  validityReminderSchedule: () => 'validity-reminders',
  /** A manual run of the monthly reminder for one month (YYYY-MM of the expiry month). */
  validityReminderRun: (expiryMonth: string) => `validity-reminders-${expiryMonth}`,
  /** The schedule that ends the links of link workflows an operator terminated; its runs are `link-reconcile-<time>`. */
  linkReconcileSchedule: () => 'link-reconcile',
  delegation: (centralSiret: string, delegatingSiret: string) => `delegation-${centralSiret}-${delegatingSiret}`,
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

// ---- Terms of use (CGU) ----

/** Where an establishment's workflow for a version stands; the same words are its `LifecycleState`. */
export type TermsStage = 'notifying' | 'awaiting_acceptance' | 'overdue' | 'accepted' | 'accepted_late' | 'superseded';

export interface TermsAcceptance {
  acceptedAt: string;
  acceptedByAccountId: string;
  acceptedByLoginId: string;
}

export interface TermsStatus {
  stage: TermsStage;
  version: string;
  deadline: string;
  /** Emails sent by this workflow: publication notice and reminders, one entry per step. */
  emailSteps: { step: string; recipients: number; at: string }[];
  acceptance: TermsAcceptance | null;
  supersededBy: string | null;
}

export interface AcceptTermsInput {
  accountId: string;
  loginId: string;
  /** From when this admin may accept (termsAcceptableFrom): the workflow compares it with its own time. */
  acceptableFrom: string;
  /** The API request, for the history entry. */
  requestId: string | null;
}

/** The update's refusal types, mapped to HTTP by the API. */
export const TERMS_REFUSALS = { adminDelay: 'AdminDelayNotOver', superseded: 'TermsSuperseded' } as const;

export const termsStatusQuery = defineQuery<TermsStatus>('status');
/** An admin of the establishment accepts (idempotent: a second acceptance returns the first). */
export const acceptTermsUpdate = defineUpdate<TermsAcceptance, [AcceptTermsInput]>('acceptTerms');
/** A newer version was published: this establishment's campaign for the older one ends. */
export const termsSupersededSignal = defineSignal<[{ byVersion: string }]>('termsSuperseded');

export type TermsCampaignStage = 'fanning_out' | 'all_started' | 'superseded';

export interface TermsCampaignStatus {
  stage: TermsCampaignStage;
  version: string;
  started: number;
  alreadyRunning: number;
  pages: number;
}

export const termsCampaignStatusQuery = defineQuery<TermsCampaignStatus>('status');

// ---- Administrator registration (letter to the legal representative, opposition window) ----

/** Where a registration stands; the same words are the `LifecycleState` search attribute. */
export type AdminRegistrationStage =
  | 'letter_generating'
  | 'letter_waiting'
  | 'letter_overdue'
  | 'awaiting_opposition'
  | 'confirmed'
  | 'opposed'
  | 'cancelled';

export interface AdminRegistrationStatus {
  stage: AdminRegistrationStage;
  reference: string | null;
  reason: 'created' | 'promoted';
  /** Paris day printed on the letter. */
  letterDate: string | null;
  /** True once the letter waited longer than the posting limit (stays true after posting). */
  letterOverdue: boolean;
  postedOn: string | null;
  /** Last Paris day an opposition is accepted (known once posted). */
  oppositionDeadline: string | null;
  /** When the window closes (the instant after the deadline day, Paris midnight). */
  windowClosesAt: string | null;
  /** First Paris day the new admin may accept terms of use. */
  termsAcceptableFrom: string | null;
  settledAt: string | null;
}

export interface LetterPostedInput {
  /** Paris day the print-and-post service handed the letter to the post. */
  postedOn: string;
  requestId: string;
}

export const OPPOSITION_CHANNELS = ['letter', 'email', 'phone', 'in_person'] as const;
export type OppositionChannel = (typeof OPPOSITION_CHANNELS)[number];

export interface OppositionInput {
  /** Paris day of the legal representative's request. */
  requestedOn: string;
  channel: OppositionChannel;
  reason: string;
  requestId: string;
}

export interface OppositionResult {
  /** What happened to the account: deleted (created as admin) or back to user (promoted). */
  account: 'deleted' | 'demoted' | 'already_deleted';
  /** The establishment has no active admin left: the operator must register one. */
  noActiveAdminLeft: boolean;
}

export const registrationStatusQuery = defineQuery<AdminRegistrationStatus>('status');
/** The operator marked the letter posted: the opposition window starts; answers the deadline. */
export const letterPostedUpdate = defineUpdate<{ oppositionDeadline: string }, [LetterPostedInput]>('letterPosted');
/** The operator records the legal representative's opposition: refused once the window has closed. */
export const recordOppositionUpdate = defineUpdate<OppositionResult, [OppositionInput]>('recordOpposition');

// ---- Account validity (18 months, reminder on the 20th, expiry, renewal) ----

/** Where an account's validity stands; the same words are the `LifecycleState` search attribute. */
export type ValidityStage = 'valid' | 'expired' | 'ended';

export interface ValidityStatus {
  stage: ValidityStage;
  /** Last day the holder may log in (Paris calendar day, YYYY-MM-DD). */
  expiresOn: string;
  /** The instant the account becomes expired: midnight in Paris after `expiresOn`. */
  expiresAt: string;
  /** Day of the admins' reminder email (the 20th of the month before the expiry month). */
  reminderOn: string;
  /** When the expiry was recorded (null while valid; carried over by continue-as-new). */
  expiredAt: string | null;
  /** Renewals this workflow followed since it started (carried over by continue-as-new). */
  renewals: number;
}

export interface ExpiryChangedInput {
  /** The new last day of validity, as the renewal wrote it in the database. */
  expiresOn: string;
}

export const validityStatusQuery = defineQuery<ValidityStatus>('status');
/** A renewal moved the account's expiry (single, bulk, before or after expiry): the workflow follows it. */
export const expiryChangedSignal = defineSignal<[ExpiryChangedInput]>('expiryChanged');

export interface ReminderRunStatus {
  /** YYYY-MM: the month whose expiring accounts this run reminds about. */
  expiryMonth: string;
  done: boolean;
  /** Paging cursor: the last establishment handled. */
  afterEstablishmentId: string | null;
  totals: { establishments: number; emailsSent: number; accounts: number; withoutAdmin: number; failed: string[] };
}

export const reminderRunStatusQuery = defineQuery<ReminderRunStatus>('status');

export interface RenewalSignalsStatus {
  /** Accounts renewed by the batch, and those whose validity workflow has been told so far. */
  total: number;
  signalled: number;
  done: boolean;
}

export const renewalSignalsStatusQuery = defineQuery<RenewalSignalsStatus>('status');

// ---- Delegation (multi-account access) ----

/** Where a delegation stands; the same words are the `LifecycleState` search attribute. */
export type DelegationStage = 'requested' | 'accepted' | 'refused' | 'lapsed' | 'ended' | 'cancelled';

export type DelegationEndReason = 'ended_by_central' | 'ended_by_delegating' | 'attachment_removed' | 'establishment_closed';

export interface DelegationStatus {
  stage: DelegationStage;
  delegationId: string;
  centralSiret: string;
  delegatingSiret: string;
  requestedAt: string;
  /** Without an answer by then, the request lapses. */
  lapsesAt: string;
  reminderSentAt: string | null;
  decidedAt: string | null;
  endedAt: string | null;
  endReason: DelegationEndReason | null;
}

export interface DelegationAnswer {
  /** The request answered: a late answer to an earlier run's request is refused. */
  delegationId: string;
  decision: 'accept' | 'refuse';
  /** The delegating establishment's admin who answers. */
  accountId: string;
  requestId?: string;
}

export interface DelegationEnd {
  delegationId: string;
  reason: DelegationEndReason;
  /** The admin who ends it; absent when the operator's change ends it. */
  accountId?: string;
  requestId?: string;
}

export const delegationStatusQuery = defineQuery<DelegationStatus>('status');
/** An admin of the delegating establishment accepts or refuses; only the first answer to a pending request counts. */
export const answerDelegationUpdate = defineUpdate<DelegationStage, [DelegationAnswer]>('answerDelegation');
/** Either side, the operator's detachment or a closure ends the delegation (or withdraws a pending request). */
export const endDelegationUpdate = defineUpdate<DelegationStage, [DelegationEnd]>('endDelegation');
