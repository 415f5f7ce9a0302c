import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { ActivityDeps } from '../activities/deps';
import { workflowBundlePath } from './workflow-bundle';
import { workflowSlotsWithEagerRoom } from './workflow-slots';

/**
 * Task slots and pollers. The SDK's defaults poll new workflow tasks with 2 of its 10 pollers (the
 * other 8 wait on the sticky queue, where a workflow's later tasks go): after a burst of creations,
 * whose workflows each need one task (their first link is sent by local activities within it), the
 * worker sat idle while 2 polls at a time fetched the backlog. Half of the 10 polls go to new tasks.
 * (The SDK's `maxConcurrentWorkflowTaskPolls`, set to 20 here before, is typed but read nowhere in
 * 1.24: the pollers were 10 all along; `workflowTaskPollerBehavior` is the option it reads.)
 *
 * Workflow-task slots: the pollers' tasks hold up to 40 at a time; eager starts (a validity workflow
 * started by an activation's eligibility check, its first task handed back in the start's answer) may
 * take 20 more that only they can use (worker/workflow-slots.ts). Capped by the workflow cache: a task
 * needs its run in the cache.
 *
 * A task that waits on this worker's sticky queue longer than `stickyQueueScheduleToStartTimeout`
 * times out and is scheduled again on the shared queue: a second task for the server to write and
 * dispatch, for the same work. A bulk renewal signals thousands of workflows faster than one worker
 * runs their tasks (each a cache miss that replays), so with the SDK's 10 s its backlog timed out by
 * the hundreds and the server's CPU per renewed workflow grew (README « Validity: bulk renewal »).
 * 60 s: a graceful stop hands the sticky queue back at once (the SDK's ShutdownWorker call); only a
 * crashed worker's cached workflows wait that long before another worker takes their next task.
 */
const WORKFLOW_TASK_SLOTS = { polled: 40, eagerOnly: 20 } as const;

export function workerTuning(maxCachedWorkflows?: number) {
  const cap = maxCachedWorkflows || Number.POSITIVE_INFINITY; // 0: no cache, so nothing to cap by
  const polled = Math.min(WORKFLOW_TASK_SLOTS.polled, cap);
  const eagerOnly = Math.max(0, Math.min(WORKFLOW_TASK_SLOTS.eagerOnly, cap - polled));
  return {
    stickyQueueScheduleToStartTimeout: '60s',
    workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 10 },
    nonStickyToStickyPollRatio: 0.5,
    tuner: {
      workflowTaskSlotSupplier: workflowSlotsWithEagerRoom(polled, eagerOnly),
      activityTaskSlotSupplier: { type: 'fixed-size', numSlots: 100 },
      localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 100 },
      nexusTaskSlotSupplier: { type: 'fixed-size', numSlots: 100 },
    },
  } satisfies Partial<WorkerOptions>;
}

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
  /** config.worker.workflowStackTraces in production; the SDK's default (on) when unset (tests). */
  workflowStackTraces?: boolean;
}): Promise<Worker> {
  // The SDK sizes its workflow cache from the V8 heap limit (~2,300 workflows on a 4 GB heap,
  // ~0.3 MB each: the worker levelled off near 1 GB). An explicit, small cache bounds the memory
  // whatever the number of open workflows (validity, reminders, campaigns: one per account); a
  // workflow evicted from it replays its short history on its next task. The heap limit itself is
  // set where the process starts (package.json `worker`, docker-compose.yml): see README "Worker memory".
  const workflowBundle = params.workflowBundle ?? { codePath: await workflowBundlePath() };
  return withStackTraces(params.workflowStackTraces, () =>
    Worker.create({
      connection: params.connection,
      namespace: params.namespace,
      taskQueue: params.taskQueue,
      workflowBundle,
      activities: createActivities(params.deps),
      ...(params.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: params.maxCachedWorkflows }),
      ...workerTuning(params.maxCachedWorkflows),
    }),
  );
}

/**
 * The SDK records the stack of every promise a workflow creates (a V8 promise hook), for the Temporal
 * UI's « Stack Trace » tab: a quarter of the workflow thread's CPU in a drain (README « Worker: email
 * drain »). It has no option for it; our patch (patches/@temporalio+worker+1.24.0.patch) skips the hook
 * when TEMPORAL_WORKFLOW_STACK_TRACES=off in the workflow threads' environment, which they copy from
 * the process when Worker.create starts them: set for that call only, so another worker of the same
 * process (tests) keeps its own choice.
 */
async function withStackTraces<T>(enabled: boolean | undefined, create: () => Promise<T>): Promise<T> {
  if (enabled !== false) return create();
  const before = process.env.TEMPORAL_WORKFLOW_STACK_TRACES;
  process.env.TEMPORAL_WORKFLOW_STACK_TRACES = 'off';
  try {
    return await create();
  } finally {
    if (before === undefined) delete process.env.TEMPORAL_WORKFLOW_STACK_TRACES;
    else process.env.TEMPORAL_WORKFLOW_STACK_TRACES = before;
  }
}
