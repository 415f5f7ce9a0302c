/**
 * Starts the real parts once per test run: an embedded PostgreSQL with a fresh database (migrated),
 * a Temporal dev server (in a temporary SQLite file, with the project's search attributes), the mail
 * sink, and the workflow bundle. Test files receive their addresses through `inject('stack')`.
 */
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { migrateDatabase } from '../../db/migrate';
import { startMailSink } from '../../dev/mail-sink';
import { startEmbeddedPostgres } from '../../dev/postgres';
import { findFreePort, startTemporalDevServer } from '../../dev/temporal/dev-server';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/definitions';
import { WORKFLOWS_PATH } from '../../worker/create-worker';

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
  const root = await mkdtemp(path.join(os.tmpdir(), 'peps-test-'));
  await chmod(root, 0o755); // PostgreSQL runs as another user when the tests run as root
  const started: { stop(): Promise<void> }[] = [];
  try {
    const [postgres, temporal, mailSink, bundle] = await Promise.all([
      (async () => {
        const pg = await startEmbeddedPostgres({ dataDir: path.join(root, 'postgres'), port: await findFreePort() });
        started.push(pg);
        await pg.createDatabase('peps_test');
        const url = pg.url('peps_test');
        await migrateDatabase(url);
        return { url };
      })(),
      (async () => {
        const server = await startTemporalDevServer({
          dbFile: path.join(root, 'temporal.db'),
          port: await findFreePort(),
          uiPort: await findFreePort(),
          namespace: 'default',
          searchAttributes: SEARCH_ATTRIBUTE_TYPES,
          logFile: path.join(root, 'temporal.log'),
        });
        started.push(server);
        return server;
      })(),
      (async () => {
        const sink = await startMailSink({ port: 0, dir: path.join(root, 'mail') });
        started.push(sink);
        return sink;
      })(),
      (async () => {
        const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
        const file = path.join(root, 'workflow-bundle.js');
        await (await import('node:fs/promises')).writeFile(file, code);
        return file;
      })(),
    ]);
    project.provide('stack', {
      databaseUrl: postgres.url,
      temporalAddress: temporal.address,
      temporalNamespace: 'default',
      mailSinkUrl: mailSink.url,
      workflowBundlePath: bundle,
      root,
    });
  } catch (error) {
    await Promise.allSettled(started.map((s) => s.stop()));
    throw error;
  }
  return async () => {
    await Promise.allSettled(started.reverse().map((s) => s.stop()));
    await rm(root, { recursive: true, force: true });
  };
}

const quietLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn(message: string) {
    console.warn(message);
  },
  error(message: string) {
    console.error(message);
  },
};
