/**
 * The body of a worker process: configuration, logs, database, connection, the worker on its task
 * queue until SIGINT/SIGTERM. worker/main.ts (production) adds the migration and its start-up jobs;
 * the benchmarks' worker (test/bench/worker-process.ts) runs the queue alone.
 */
import { type Config, loadConfigOrExit } from '../config/env';
import { configureLogging, log, logStarted } from '../logging/logger';
import { installTemporalRuntimeLogger } from '../logging/temporal';
import { createMailer } from '../activities/mailer';
import { createDatabase } from '../db/client';
import { connectWorker } from './connection';
import { createWorker } from './create-worker';

export function runWorkerProcess(hooks: { beforeStart?: (config: Config) => Promise<void>; started?: (config: Config) => Promise<void> } = {}) {
  const main = async () => {
    const config = loadConfigOrExit();
    installTemporalRuntimeLogger(configureLogging({ level: config.logLevel }), config.logLevel);
    await hooks.beforeStart?.(config);
    const database = createDatabase(config.database.url);
    const connection = await connectWorker(config.temporal.address);
    const worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      deps: { db: database.db, mailer: createMailer(config.mail), config },
      maxCachedWorkflows: config.worker.maxCachedWorkflows,
      workflowStackTraces: config.worker.workflowStackTraces,
    });
    await hooks.started?.(config);
    logStarted(`worker: polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
    // Worker.run() returns after SIGINT/SIGTERM once in-flight tasks are done (the SDK installs those handlers).
    await worker.run();
    await connection.close();
    await database.close();
  };
  main().catch((error) => {
    log.fatal({ err: error }, 'worker: stopped on an error');
    process.exit(1);
  });
}
