/**
 * Account activation. An admin created the account: the holder gets an email with a link to create
 * a password, valid 15 days. The admin may resend it (a new link, the old one dies). The account
 * becomes active when the holder sets a password through the living link. After 15 days the link is
 * dead and the run ends; the admin's "nouvelle demande" starts a new run under the same workflow ID.
 * Deleting the account ends it.
 */
import { type PasswordLinkInput, type PasswordLinkOutcome, runPasswordLink } from './password-link';

export const ACTIVATION_LINK_VALIDITY = '15 days';

export async function activationWorkflow(input: PasswordLinkInput): Promise<PasswordLinkOutcome> {
  return runPasswordLink('activation', ACTIVATION_LINK_VALIDITY, input);
}
