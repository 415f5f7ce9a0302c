/**
 * Forgotten password. The holder of an active account asked for a reset: a short-lived, single-use
 * link by email. A new request while one is open sends a new link and kills the previous one.
 */
import { type PasswordLinkInput, type PasswordLinkOutcome, runPasswordLink } from './password-link';

export const PASSWORD_RESET_LINK_VALIDITY = '1 hour';

export async function passwordResetWorkflow(input: PasswordLinkInput): Promise<PasswordLinkOutcome> {
  return runPasswordLink('password_reset', PASSWORD_RESET_LINK_VALIDITY, input);
}
