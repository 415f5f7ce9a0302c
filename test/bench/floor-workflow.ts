/**
 * The throughput bench's floor (test/bench/floor-worker.ts): the shape of an activation's first
 * workflow task — one local activity, then a timer — with nothing of ours in it (no account, no
 * email, no database, no search attribute to update).
 */
import { proxyLocalActivities, sleep } from '@temporalio/workflow';

export interface FloorActivities {
  floorNoop(): Promise<void>;
}

const { floorNoop } = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '1 minute' });

export async function floorWorkflow(): Promise<void> {
  await floorNoop();
  await sleep('15 days');
}
