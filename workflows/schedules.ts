/** Client side: a schedule created, or brought up to date when it exists — safe at every worker start. */
import { type Client, ScheduleAlreadyRunning, type ScheduleOptions } from '@temporalio/client';

export async function ensureSchedule(client: Client, options: ScheduleOptions): Promise<void> {
  try {
    await client.schedule.create(options);
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule
      .getHandle(options.scheduleId)
      .update((previous) => ({ ...previous, spec: options.spec, policies: options.policies, action: options.action }));
  }
}
