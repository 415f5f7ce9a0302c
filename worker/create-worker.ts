import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { ActivityDeps } from '../activities/deps';
import { workflowBundlePath } from './workflow-bundle';

/**
 * Task slots and pollers. The SDK's defaults poll new workflow tasks with 2 of its 10 pollers (the
 * other 8 wait on the sticky queue, where a workflow's later tasks go): after a burst of creations,
 * whose workflows each need one task (their first link is sent by local activities within it), the
 * worker sat idle while 2 polls at a time fetched the backlog. Half of the polls go to new tasks.
 */
export const WORKER_TUNING = {
  maxConcurrentWorkflowTaskExecutions: 40,
  maxConcurrentWorkflowTaskPolls: 20,
  nonStickyToStickyPollRatio: 0.5,
  maxConcurrentActivityTaskExecutions: 100,
  maxConcurrentLocalActivityExecutions: 100,
} satisfies Partial<WorkerOptions>;

/**
 * The worker runs every workflow and activity on one task queue, from the prebuilt workflow bundle
 * (worker/workflow-bundle.ts). Tests pass the bundle their run built once.
 */
export async function createWorker(params: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** config.worker.maxCachedWorkflows in production; the SDK's default when unset (tests). */
  maxCachedWorkflows?: number;
}): Promise<Worker> {
  // The SDK sizes its workflow cache from the V8 heap limit (~2,300 workflows on a 4 GB heap,
  // ~0.3 MB each: the worker levelled off near 1 GB). An explicit, small cache bounds the memory
  // whatever the number of open workflows (validity, reminders, campaigns: one per account); a
  // workflow evicted from it replays its short history on its next task. The heap limit itself is
  // set where the process starts (package.json `worker`, docker-compose.yml): see README "Worker memory".
  return Worker.create({
    connection: params.connection,
    namespace: params.namespace,
    taskQueue: params.taskQueue,
    workflowBundle: params.workflowBundle ?? { codePath: await workflowBundlePath() },
    activities: createActivities(params.deps),
    ...(params.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: params.maxCachedWorkflows }),
    ...WORKER_TUNING,
  });
}
