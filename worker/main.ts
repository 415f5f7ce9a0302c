/** The worker process: `npm run worker`. Run as many as the load needs; they share the task queue. */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfigOrExit } from '../config/env';
import { configureLogging, log, logStarted } from '../logging/logger';
import { installTemporalRuntimeLogger } from '../logging/temporal';
import { createMailer } from '../activities/mailer';
import { createDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { ensureLinkReconcileSchedule } from '../workflows/link-reconcile-client';
import { ensureReminderSchedule, startValidityReconcile } from '../workflows/validity-client';
import { createWorker } from './create-worker';

async function main() {
  const config = loadConfigOrExit();
  installTemporalRuntimeLogger(configureLogging({ level: config.logLevel }), config.logLevel);
  await migrateDatabase(config.database.url);
  const database = createDatabase(config.database.url);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: { db: database.db, mailer: createMailer(config.mail), config },
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
  });
  // The monthly reminder schedule (created or updated) and the reconcile of missing validity
  // workflows: an upgraded installation needs no manual step.
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
  await ensureReminderSchedule(client, config.temporal.taskQueue);
  await ensureLinkReconcileSchedule(client, config.temporal.taskQueue);
  await startValidityReconcile(client, config.temporal.taskQueue);
  await clientConnection.close();
  logStarted(`worker: polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
  // Worker.run() returns after SIGINT/SIGTERM once in-flight tasks are done (the SDK installs those handlers).
  await worker.run();
  await connection.close();
  await database.close();
}

main().catch((error) => {
  log.fatal({ err: error }, 'worker: stopped on an error');
  process.exit(1);
});
