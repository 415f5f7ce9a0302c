import { createAdminRegistrationActivities } from './admin-registration';
import type { ActivityDeps } from './deps';
import { createDelegationActivities } from './delegations';
import { createLoginIdReminderActivities } from './login-id-reminder';
import { createPasswordLinkActivities } from './password-links';
import { createTermsActivities } from './terms';
import { createValidityActivities } from './validity';
import { createExpiryReminderActivities } from './expiry-reminders';

/** Every activity the worker registers, bound to the worker's dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createPasswordLinkActivities(deps),
    ...createLoginIdReminderActivities(deps),
    ...createTermsActivities(deps),
    ...createAdminRegistrationActivities(deps),
    ...createValidityActivities(deps),
    ...createExpiryReminderActivities(deps),
    ...createDelegationActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
