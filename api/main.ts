/** The API process: `npm run api`. Stateless: run as many behind a load balancer as needed. */
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { loadConfigOrExit } from '../config/env';
import { configureLogging, log, logStarted } from '../logging/logger';
import { createDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { createApp } from './app';
import { drainBackground } from './background';
import { systemClock } from './deps';

async function main() {
  const config = loadConfigOrExit();
  configureLogging({ level: config.logLevel });
  await migrateDatabase(config.database.url);
  // A short PostgreSQL restart is waited out rather than answered 503 (db/outage.ts).
  const database = createDatabase(config.database.url, { retryMs: config.database.retryMs });
  // Lazy: the API starts (and /health says 503) even while Temporal is down.
  const connection = Connection.lazy({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const app = createApp({ db: database.db, temporal, config, clock: systemClock });
  const server = serve({ fetch: app.fetch, port: config.api.port }, (info) =>
    logStarted(`api: listening on http://localhost:${info.port} (docs: /docs)`, { port: info.port }),
  );
  const shutdown = () => {
    server.close(async () => {
      await drainBackground();
      await connection.close();
      await database.close();
      process.exit(0);
    });
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error) => {
  log.fatal({ err: error }, 'api: start failed');
  process.exit(1);
});
