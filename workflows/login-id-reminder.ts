/** Forgotten login id: the holder receives it at the account's email address. */
import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { searchAttributes } from './definitions';

const { sendLoginIdReminder } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export interface LoginIdReminderInput {
  accountId: string;
  loginId: string;
  establishmentSiret: string;
  requestId: string;
}

export async function loginIdReminderWorkflow(input: LoginIdReminderInput): Promise<void> {
  upsertSearchAttributes([
    { key: searchAttributes.accountLoginId, value: input.loginId },
    { key: searchAttributes.establishmentSiret, value: input.establishmentSiret },
    { key: searchAttributes.lifecycleState, value: 'sending' },
  ]);
  await sendLoginIdReminder({ accountId: input.accountId, requestId: input.requestId });
  upsertSearchAttributes([{ key: searchAttributes.lifecycleState, value: 'sent' }]);
}
