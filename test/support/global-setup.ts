/**
 * Starts the real parts once per test run: an embedded PostgreSQL with a fresh database (migrated),
 * a Temporal dev server (in a temporary SQLite file, with the project's search attributes), the mail
 * sink, and the workflow bundle (worker/workflow-bundle.ts: the worker's own, rebuilt only when the
 * sources changed). Test files receive their addresses through `inject('stack')`.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { temporalCli, temporalTestServer } from '../../dev/tools';
import { workflowBundlePath } from '../../worker/workflow-bundle';
import { startLocalStack } from './local-stack';

export interface TestStack {
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  mailSinkUrl: string;
  workflowBundlePath: string;
  root: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: TestStack;
  }
}

export default async function setup(project: TestProject) {
  // Both binaries before any test file asks for them (the first run installs them into .tools/).
  await Promise.all([temporalCli(), temporalTestServer()]);
  const root = await mkdtemp(path.join(os.tmpdir(), 'peps-test-'));
  await chmod(root, 0o755); // PostgreSQL runs as another user when the tests run as root
  const [stack, bundle] = await Promise.allSettled([
    startLocalStack({ root, database: 'peps_test' }),
    workflowBundlePath(),
  ]);
  if (stack.status === 'rejected' || bundle.status === 'rejected') {
    if (stack.status === 'fulfilled') await stack.value.stop();
    await rm(root, { recursive: true, force: true });
    throw stack.status === 'rejected' ? stack.reason : (bundle as PromiseRejectedResult).reason;
  }
  const { stop, ...addresses } = stack.value;
  project.provide('stack', { ...addresses, temporalNamespace: 'default', workflowBundlePath: bundle.value, root });
  return async () => {
    await stop();
    await rm(root, { recursive: true, force: true });
  };
}
