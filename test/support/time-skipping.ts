import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';
import { createActivities } from '../../activities';
import { createMailer } from '../../activities/mailer';
import { createApp } from '../../api/app';
import { type Clock, type Deps, systemClock } from '../../api/deps';
import { type Config, loadConfig } from '../../config/env';
import { createDatabase } from '../../db/client';
import { temporalTestServer } from '../../dev/tools';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/definitions';

/** `Keyword` → INDEXED_VALUE_TYPE_KEYWORD, `KeywordList` → INDEXED_VALUE_TYPE_KEYWORD_LIST, … */
const indexedType = (type: string) =>
  temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${type.replace(/(?<=.)([A-Z])/g, '_$1').toUpperCase()}` as 'INDEXED_VALUE_TYPE_KEYWORD'];

/**
 * Temporal's time-skipping test server, obtained by the project (never the SDK's daily re-download,
 * which needs internet), with the project's search attributes registered like on the dev server.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: await temporalTestServer() } },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(Object.entries(SEARCH_ATTRIBUTE_TYPES).map(([name, type]) => [name, indexedType(type)])),
  });
  return env;
}

export interface TimeSkippingStack {
  env: TestWorkflowEnvironment;
  /** The API's dependencies over the time-skipping server (its client, the file's task queue). */
  deps: Deps;
  app: ReturnType<typeof createApp>;
}

/**
 * For one test file: the time-skipping server, a worker on a task queue of its own running the
 * project's workflows with the real activities (PostgreSQL, mail sink), and the API over them; all
 * closed after the file. `database` gives the file a database of its own (from the shared one's URL);
 * `perTest` a server and worker per test, when a later test's jumps in time would fire an earlier
 * test's timers.
 */
export function useTimeSkippingStack(options: {
  name: string;
  database?: (sharedUrl: string) => Promise<string>;
  clock?: Clock;
  perTest?: boolean;
}): TimeSkippingStack {
  const ts = {} as TimeSkippingStack;
  let config: Config;
  let database: ReturnType<typeof createDatabase>;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const [setUp, tearDown] = options.perTest ? [beforeEach, afterEach] : [beforeAll, afterAll];

  beforeAll(async () => {
    const stack = inject('stack');
    config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: options.database ? await options.database(stack.databaseUrl) : stack.databaseUrl,
      RESEND_BASE_URL: stack.mailSinkUrl,
      TEMPORAL_TASK_QUEUE: `${options.name}-${randomUUID()}`,
      PUBLIC_BASE_URL: 'http://peps.test',
    });
    database = createDatabase(config.database.url, { max: 5 });
  });

  setUp(async () => {
    ts.env = await createTimeSkippingEnv();
    ts.deps = { db: database.db, temporal: ts.env.client, config, clock: options.clock ?? systemClock };
    ts.app = createApp(ts.deps);
    worker = await Worker.create({
      connection: ts.env.nativeConnection,
      taskQueue: config.temporal.taskQueue,
      workflowBundle: { codePath: inject('stack').workflowBundlePath },
      activities: createActivities({ db: database.db, mailer: createMailer(config.mail), config }),
    });
    running = worker.run();
  });

  tearDown(async () => {
    worker?.shutdown();
    await running;
    await ts.env?.teardown();
  });

  afterAll(async () => {
    await database?.close();
  });

  return ts;
}
