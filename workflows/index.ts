// The worker's workflow bundle: every workflow type it runs.
export { activationWorkflow } from './activation';
export { passwordResetWorkflow } from './password-reset';
export { loginIdReminderWorkflow } from './login-id-reminder';
export { termsWorkflow } from './terms';
export { termsCampaignWorkflow } from './terms-campaign';
export { adminRegistrationWorkflow } from './admin-registration';
export { validityWorkflow } from './validity';
export { validityRemindersWorkflow } from './validity-reminders';
export { validityReconcileWorkflow } from './validity-reconcile';
export { delegationWorkflow } from './delegation';
export { linkReconcileWorkflow } from './link-reconcile';
export { validityRenewalSignalsWorkflow } from './validity-renewal';
