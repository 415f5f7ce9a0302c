/**
 * `npm start`: the whole system on one machine, for development and demos. Starts PostgreSQL
 * (embedded unless DATABASE_URL is set), the mail sink (unless RESEND_API_KEY is set), the Temporal
 * dev server (SQLite file, Web UI), then the worker and the API as child processes, exactly as
 * production runs them. Data lives in DATA_DIR (.data/) and survives restarts. Ctrl-C stops everything.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { EMBEDDED_DATABASE_NAME, loadConfigOrExit } from '../config/env';
import { createDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { DEMO_ESTABLISHMENT, seedDemo } from '../db/seed';
import { accounts, establishments } from '../db/schema';
import { and, eq } from 'drizzle-orm';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/definitions';
import { startMailSink } from './mail-sink';
import { startEmbeddedPostgres } from './postgres';
import { ensureTemporalCli, PROJECT_ROOT } from './temporal/binaries';
import { startTemporalDevServer } from './temporal/dev-server';

const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');

interface Stoppable {
  name: string;
  stop(): Promise<void>;
}

const running: Stoppable[] = [];
let stopping = false;

function log(message: string) {
  console.log(`[start] ${message}`);
}

async function stopAll(exitCode: number) {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  for (const part of [...running].reverse()) {
    try {
      await part.stop();
      log(`${part.name} stopped`);
    } catch (error) {
      console.error(`[start] ${part.name} did not stop cleanly: ${(error as Error).message}`);
    }
  }
  process.exit(exitCode);
}

/** Runs a process of the project (worker, API) with its output prefixed; a crash stops everything. */
function startChild(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(TSX, [path.join(PROJECT_ROOT, script)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((line) => `[${name}] ${line}`)
      .join('\n') + '\n';
  child.stdout!.on('data', (chunk: Buffer) => process.stdout.write(prefix(chunk)));
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(prefix(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${name} exited (${signal ?? code}); stopping the rest`);
      void stopAll(1);
    }
  });
  running.push({
    name,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  });
  return child;
}

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${pattern.source}" within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      if (pattern.test(chunk.toString())) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
  });
}

async function main() {
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  const config = loadConfigOrExit();
  const env: NodeJS.ProcessEnv = { ...process.env };
  const dataDir = config.dataDir;
  const shownDataDir = path.relative(PROJECT_ROOT, dataDir).startsWith('..') ? dataDir : path.relative(PROJECT_ROOT, dataDir);

  if (config.database.embedded) {
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: config.database.embeddedPort });
    running.push({ name: 'PostgreSQL', stop: () => pg.stop() });
    await pg.createDatabase(EMBEDDED_DATABASE_NAME);
    env.DATABASE_URL = pg.url(EMBEDDED_DATABASE_NAME);
    log(`PostgreSQL (embedded) on port ${config.database.embeddedPort}, data in ${path.join(shownDataDir, 'postgres')}`);
  }
  const databaseUrl = env.DATABASE_URL ?? config.database.url;
  await migrateDatabase(databaseUrl);

  let mailbox: string | undefined;
  if (!config.mail.resendApiKey && !process.env.RESEND_BASE_URL) {
    const sink = await startMailSink({ port: config.mail.sinkPort, host: config.mail.sinkHost, dir: path.join(dataDir, 'mail') });
    running.push({ name: 'mail sink', stop: () => sink.stop() });
    env.RESEND_BASE_URL = sink.url;
    mailbox = sink.url;
  }

  const [host, port] = config.temporal.address.split(':');
  if (host !== 'localhost' && host !== '127.0.0.1') {
    log(`TEMPORAL_ADDRESS=${config.temporal.address}: using that server, no local Temporal started`);
  } else {
    await ensureTemporalCli();
    const temporal = await startTemporalDevServer({
      dbFile: path.join(dataDir, 'temporal', 'temporal.db'),
      port: Number(port ?? 7233),
      uiPort: config.temporal.uiPort,
      namespace: config.temporal.namespace,
      searchAttributes: SEARCH_ATTRIBUTE_TYPES,
      logFile: path.join(dataDir, 'temporal', 'server.log'),
    });
    running.push({ name: 'Temporal dev server', stop: () => temporal.stop() });
    env.TEMPORAL_ADDRESS = temporal.address;
  }

  const { seeded, demoLoginId } = await (async () => {
    const database = createDatabase(databaseUrl, { max: 1 });
    try {
      const created = await seedDemo(database.db);
      const [demo] = created
        ? []
        : await database.db
            .select({ loginId: accounts.loginId })
            .from(accounts)
            .innerJoin(establishments, eq(establishments.id, accounts.establishmentId))
            .where(and(eq(establishments.siret, DEMO_ESTABLISHMENT.siret), eq(accounts.profile, 'admin')))
            .orderBy(accounts.createdAt)
            .limit(1);
      return { seeded: created, demoLoginId: demo?.loginId };
    } finally {
      await database.close();
    }
  })();

  const worker = startChild('worker', 'worker/main.ts', env);
  const api = startChild('api', 'api/main.ts', env);
  await Promise.all([waitForLine(worker, /polling task queue/, 120_000), waitForLine(api, /listening on/, 60_000)]);

  const apiUrl = `http://localhost:${config.api.port}`;
  const lines = [
    '',
    "PEP's — gestion des comptes : tout est démarré.",
    `  API             ${apiUrl}`,
    `  Documentation   ${apiUrl}/docs`,
    `  Santé           ${apiUrl}/health`,
    `  Temporal UI     http://localhost:${config.temporal.uiPort}`,
    mailbox ? `  Boîte mail      ${mailbox}` : '  Courriels       envoyés par Resend',
  ];
  if (seeded) {
    lines.push(
      '',
      `Établissement de démonstration : ${seeded.establishmentName} (${seeded.establishmentId})`,
      `  Administrateur : identifiant ${seeded.loginId}, mot de passe ${seeded.password}`,
    );
  }
  if (!seeded && demoLoginId) {
    lines.push(
      '',
      `Établissement de démonstration : administrateur ${demoLoginId} (mot de passe affiché au premier démarrage ;`,
      '  sinon POST /auth/forgot-password : le lien arrive dans la boîte mail locale).',
    );
  }
  lines.push('', `Ctrl-C arrête tout (les données restent dans ${shownDataDir}/).`, '');
  console.log(lines.join('\n'));
}

main().catch(async (error) => {
  console.error(`[start] ${(error as Error).stack ?? error}`);
  await stopAll(1);
});
