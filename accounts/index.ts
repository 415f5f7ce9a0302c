/**
 * The account rules, called alike by the API (an admin, the operator) and by activities (the platform,
 * from a workflow). Each takes a database handle (or a transaction) and a scope: who acts, for which
 * establishment, when. A refusal is an AccountRuleError with a stable code; the API maps it to
 * problem+json, an activity to a non-retryable failure.
 */
export { type Actor, type AuthenticatedAccount, auditActor, platformActor } from './actor';
export { type AccountAction, type AccountChange, type AccountScope, applyAccountAction, applyToSelection, platformScope, runAfterCommit, type SelectionResult } from './apply';
export {
  type AccountChanges,
  deleteAction,
  demoteAction,
  demotion,
  resendActivationAction,
  revokeSessionsAction,
  unblockAction,
  updateAction,
} from './actions';
export { createAccount, startAccountActivation } from './create';
export { previewRenewal, renewAction, renewAdminAction, renewalConfirmation, renewalExpiry, type RenewalSelection, renewSelection } from './renew';
export { AccountRuleError, accountExpiredError, accountNotFound, ADDRESS_REQUIRED, type FieldError, RULE_CODES, type RuleCode } from './errors';
export { callWorkflow, ensureTemporalReachable, type LifecycleDeps, notifyAccountDeleted, resendActivation, requestPasswordReset, sendLoginIdReminder, startActivation } from './lifecycles';
