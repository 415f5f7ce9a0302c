/**
 * The real parts the integration tests and the benchmark run against, started in a temporary folder
 * on free ports: PostgreSQL (a fresh, migrated database), a Temporal dev server with the project's
 * search attributes, and the mail sink.
 */
import path from 'node:path';
import { migrateDatabase } from '../../db/migrate';
import { startMailSink } from '../../dev/mail-sink';
import { findFreePort } from '../../dev/ports';
import { startEmbeddedPostgres } from '../../dev/postgres';
import { startTemporalDevServer } from '../../dev/temporal';

export interface LocalStack {
  databaseUrl: string;
  temporalAddress: string;
  mailSinkUrl: string;
  /** Stops whatever was started, last first. */
  stop(): Promise<void>;
}

/** `root` must be reachable by other users (0755): as root, PostgreSQL runs as the postgres user. */
export async function startLocalStack(opts: { root: string; database: string; postgresFlags?: string[] }): Promise<LocalStack> {
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const part of started.splice(0).reverse()) await part.stop().catch(() => {});
  };
  // allSettled, not all: when one part fails, the others finish starting (and can be stopped) first.
  const settled = await Promise.allSettled([
    (async () => {
      const pg = await startEmbeddedPostgres({ dataDir: path.join(opts.root, 'postgres'), port: await findFreePort(), postgresFlags: opts.postgresFlags });
      started.push(pg);
      await pg.createDatabase(opts.database);
      await migrateDatabase(pg.url(opts.database));
      return pg.url(opts.database);
    })(),
    (async () => {
      const server = await startTemporalDevServer({
        dbFile: path.join(opts.root, 'temporal.db'),
        logFile: path.join(opts.root, 'temporal.log'),
        port: await findFreePort(),
        uiPort: await findFreePort(),
        namespace: 'default',
      });
      started.push(server);
      return server.address;
    })(),
    (async () => {
      const sink = await startMailSink({ port: 0, dir: path.join(opts.root, 'mail') });
      started.push(sink);
      return sink.url;
    })(),
  ]);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const [databaseUrl, temporalAddress, mailSinkUrl] = settled.map((r) => (r as PromiseFulfilledResult<string>).value);
  return { databaseUrl: databaseUrl!, temporalAddress: temporalAddress!, mailSinkUrl: mailSinkUrl!, stop };
}
