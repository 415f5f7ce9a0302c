/**
 * WORKER_WORKFLOW_STACK_TRACES reaches the SDK (our patch, patches/@temporalio+worker+1.24.0.patch):
 * off (production's default), the Temporal UI's « Stack Trace » query answers that stack traces are
 * not enabled, and the workflow runs as before; on, it shows where the workflow waits.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createMailer } from '../../activities/mailer';
import { loadConfig } from '../../config/env';
import { createDatabase } from '../../db/client';
import { createWorker } from '../../worker/create-worker';
import { validityStatusQuery } from '../../workflows/definitions';
import { validityWorkflow } from '../../workflows/validity';
import { validityStartOptions } from '../../workflows/validity-start';
import { createTimeSkippingEnv } from '../support/time-skipping';

let env: TestWorkflowEnvironment;
let database: ReturnType<typeof createDatabase>;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
  database = createDatabase(inject('stack').databaseUrl, { max: 1 });
});
afterAll(async () => {
  await env?.teardown();
  await database?.close();
});

/** A validity workflow (it waits for its 18-month timer) on a worker of its own; the answer of `__stack_trace`. */
async function stackTraceQuery(workflowStackTraces: boolean): Promise<PromiseSettledResult<string>> {
  const config = loadConfig({ NODE_ENV: 'test', TEMPORAL_TASK_QUEUE: `stack-traces-${randomUUID()}` });
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: config.temporal.taskQueue,
    deps: { db: database.db, mailer: createMailer(config.mail), config },
    workflowBundle: { codePath: inject('stack').workflowBundlePath },
    workflowStackTraces,
  });
  return worker.runUntil(async () => {
    const account = { id: randomUUID(), loginId: `STK${randomUUID().slice(0, 6)}`, expiresOn: '2099-12-31' };
    const handle = await env.client.workflow.start(validityWorkflow, {
      ...validityStartOptions(account, '12345678900011'),
      taskQueue: config.temporal.taskQueue,
    });
    // The workflow ran its first task either way.
    expect((await handle.query(validityStatusQuery)).stage).toBe('valid');
    const [answer] = await Promise.allSettled([handle.query<string>('__stack_trace')]);
    await handle.terminate('test over');
    return answer;
  });
}

describe('workflow stack traces', () => {
  it('off: the stack trace query says they are not enabled', async () => {
    const answer = await stackTraceQuery(false);
    expect(answer.status).toBe('rejected');
    expect(String((answer as PromiseRejectedResult).reason)).toMatch(/stack traces are not enabled/);
  });

  it('on: the stack trace query shows the workflow waiting', async () => {
    const answer = await stackTraceQuery(true);
    expect(answer.status).toBe('fulfilled');
    expect((answer as PromiseFulfilledResult<string>).value).toMatch(/validityWorkflow|condition/);
  });
});
