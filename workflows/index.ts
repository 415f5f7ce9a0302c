// The worker's workflow bundle: every workflow type it runs.
export { activationWorkflow } from './activation';
export { passwordResetWorkflow } from './password-reset';
export { loginIdReminderWorkflow } from './login-id-reminder';
