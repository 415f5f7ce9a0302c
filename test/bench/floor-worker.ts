/**
 * The least a workflow costs, for the throughput bench (test/bench/throughput.bench.ts): a worker
 * process set up as ours is (worker/connection.ts, worker/create-worker.ts's tuning and cache, the
 * worker's node flags) that runs test/bench/floor-workflow.ts on a task queue of its own. Its parent
 * asks over IPC (`{ until: n }`) to be told (`{ done }`) once `n` local activities have run in all,
 * so that the bench counts the CPU until the last workflow's task has run.
 */
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { connectWorker } from '../../worker/connection';
import { workerTuning } from '../../worker/create-worker';
import type { FloorActivities } from './floor-workflow';

const CACHE = 100; // config.worker.maxCachedWorkflows's default, as the bench's workers run

let done = 0;
let until: number | undefined;
const tell = () => {
  if (until === undefined || done < until) return;
  until = undefined;
  process.send!({ done });
};
process.on('message', (message: { until: number }) => {
  until = message.until;
  tell();
});

const activities: FloorActivities = {
  async floorNoop() {
    done++;
    tell();
  },
};

async function main() {
  const logger = new DefaultLogger('WARN');
  Runtime.install({ logger });
  const connection = await connectWorker(process.env.FLOOR_TEMPORAL_ADDRESS!);
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('./floor-workflow'), logger });
  const worker = await Worker.create({
    connection,
    namespace: process.env.FLOOR_NAMESPACE!,
    taskQueue: process.env.FLOOR_TASK_QUEUE!,
    workflowBundle: { code },
    activities,
    maxCachedWorkflows: CACHE,
    ...workerTuning(CACHE),
  });
  process.once('SIGINT', () => worker.shutdown());
  process.send!({ ready: true });
  await worker.run();
  await connection.close();
  process.disconnect(); // the IPC channel would keep the process alive
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
