/**
 * The worker as the benchmark runs it: a separate process started with the production heap limit
 * (worker/node-flags.ts) and cache size (WORKER_MAX_CACHED_WORKFLOWS), so that its resident memory is
 * the worker's alone. Unlike worker/main.ts it neither migrates nor creates the reminder schedule nor
 * reconciles validity workflows (which would start one per seeded account): it only works the queue.
 */
import { NativeConnection } from '@temporalio/worker';
import { createMailer } from '../../activities/mailer';
import { loadConfigOrExit } from '../../config/env';
import { createDatabase } from '../../db/client';
import { createWorker } from '../../worker/create-worker';

async function main() {
  const config = loadConfigOrExit();
  const database = createDatabase(config.database.url);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: { db: database.db, mailer: createMailer(config.mail), config },
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
  });
  console.log('bench worker: polling');
  await worker.run();
  await connection.close();
  await database.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
