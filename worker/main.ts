/** The worker process: `npm run worker`. Run as many as the load needs; they share the task queue. */
import { Client, Connection } from '@temporalio/client';
import { migrateDatabase } from '../db/migrate';
import { ensureLinkReconcileSchedule } from '../workflows/link-reconcile-client';
import { ensureReminderSchedule, startValidityReconcile } from '../workflows/validity-client';
import { runWorkerProcess } from './run';

runWorkerProcess({
  beforeStart: (config) => migrateDatabase(config.database.url),
  // The monthly reminder schedule (created or updated) and the reconcile of missing validity
  // workflows: an upgraded installation needs no manual step.
  async started(config) {
    const clientConnection = await Connection.connect({ address: config.temporal.address });
    const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
    await ensureReminderSchedule(client, config.temporal.taskQueue);
    await ensureLinkReconcileSchedule(client, config.temporal.taskQueue);
    await startValidityReconcile(client, config.temporal.taskQueue);
    await clientConnection.close();
  },
});
