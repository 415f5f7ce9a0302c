import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { ActivityDeps } from '../activities/deps';

export const WORKFLOWS_PATH = path.resolve(__dirname, '../workflows/index.ts');

/**
 * The worker runs every workflow and activity on one task queue. Tests pass a prebuilt
 * `workflowBundle` so the workflow code is bundled once per run, not once per worker.
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
    ...(params.workflowBundle ? { workflowBundle: params.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(params.deps),
    ...(params.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: params.maxCachedWorkflows }),
  });
}
