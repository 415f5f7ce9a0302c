/**
 * `npm start`: the whole system on one machine. PostgreSQL (embedded unless DATABASE_URL is set), the
 * mail sink (unless RESEND_API_KEY or RESEND_BASE_URL is set), the Temporal dev server (unless
 * TEMPORAL_ADDRESS is elsewhere), then the worker and the API as child processes, as production runs
 * them. State lives in DATA_DIR and survives restarts; Ctrl-C stops everything, last started first.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { EMBEDDED_DATABASE_NAME, loadConfigOrExit } from '../config/env';
import { migrateDatabase } from '../db/migrate';
import { buildConsole } from '../web/build';
import { seedDemoBanner } from './demo';
import { startMailSink } from './mail-sink';
import { createDatabaseOfUrl, startEmbeddedPostgres } from './postgres';
import { startTemporalDevServer } from './temporal';
import { WORKER_NODE_FLAGS } from '../worker/node-flags';

const ROOT = path.resolve(__dirname, '..');
const running: { name: string; stop(): Promise<void> }[] = [];
let stopping = false;

async function stopAll(exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const part of running.reverse()) {
      await part.stop().catch((error: Error) => console.error(`[start] ${part.name} did not stop cleanly: ${error.message}`));
    }
  }
  process.exit(exitCode);
}

/** Runs worker/main.ts or api/main.ts with its output prefixed; resolves when `readyLine` shows, stops everything if it dies. */
function startChild(name: string, script: string, env: NodeJS.ProcessEnv, readyLine: RegExp, nodeFlags: string[] = []): Promise<void> {
  const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [...nodeFlags, path.join(ROOT, script)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
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
  return new Promise((resolve, reject) => {
    const forward = (out: NodeJS.WriteStream) => (chunk: Buffer) => {
      const text = chunk.toString();
      out.write(text.replace(/^(?=.)/gm, `[${name}] `));
      if (readyLine.test(text)) resolve();
    };
    child.stdout.on('data', forward(process.stdout));
    child.stderr.on('data', forward(process.stderr));
    child.once('exit', (code, signal) => {
      reject(new Error(`${name} exited (${signal ?? code})`));
      if (!stopping) {
        console.error(`[start] ${name} exited (${signal ?? code}); stopping the rest`);
        void stopAll(1);
      }
    });
  });
}

async function main() {
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));
  const config = loadConfigOrExit();
  const env: NodeJS.ProcessEnv = { ...process.env };
  const dataDir = config.dataDir;
  const shownDataDir = path.relative(ROOT, dataDir).startsWith('..') ? dataDir : path.relative(ROOT, dataDir);

  if (config.database.embedded) {
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: config.database.embeddedPort });
    running.push({ name: 'PostgreSQL', stop: pg.stop });
    await pg.createDatabase(EMBEDDED_DATABASE_NAME);
    env.DATABASE_URL = pg.url(EMBEDDED_DATABASE_NAME);
  } else {
    await createDatabaseOfUrl(config.database.url);
  }
  await migrateDatabase(env.DATABASE_URL ?? config.database.url);

  let mailbox: string | undefined;
  if (!config.mail.resendApiKey && !process.env.RESEND_BASE_URL) {
    const sink = await startMailSink({ port: config.mail.sinkPort, host: config.mail.sinkHost, dir: path.join(dataDir, 'mail') });
    running.push({ name: 'mail sink', stop: sink.stop });
    env.RESEND_BASE_URL = mailbox = sink.url;
  }

  const [host, port = '7233'] = config.temporal.address.split(':');
  if (host === 'localhost' || host === '127.0.0.1') {
    const temporal = await startTemporalDevServer({
      dbFile: path.join(dataDir, 'temporal', 'temporal.db'),
      logFile: path.join(dataDir, 'temporal', 'server.log'),
      port: Number(port),
      uiPort: config.temporal.uiPort,
      namespace: config.temporal.namespace,
    });
    running.push({ name: 'Temporal', stop: temporal.stop });
    env.TEMPORAL_ADDRESS = temporal.address;
  }

  const { lines: demoLines } = await seedDemoBanner(env.DATABASE_URL ?? config.database.url);

  await buildConsole();
  await Promise.all([
    startChild('worker', 'worker/main.ts', env, /polling task queue/, WORKER_NODE_FLAGS),
    startChild('api', 'api/main.ts', env, /listening on/),
  ]);

  const api = `http://localhost:${config.api.port}`;
  console.log(
    [
      '',
      "PEP's — gestion des comptes : tout est démarré.",
      `  Console         ${api}/  (gestion des comptes, pour les administrateurs)`,
      `  API             ${api}`,
      `  Documentation   ${api}/docs`,
      `  Santé           ${api}/health`,
      `  Temporal UI     http://localhost:${config.temporal.uiPort}`,
      mailbox ? `  Boîte mail      ${mailbox}` : '  Courriels       envoyés par Resend',
      ...demoLines,
      '',
      `Ctrl-C arrête tout (les données restent dans ${shownDataDir}/).`,
      '',
    ].join('\n'),
  );
}

main().catch(async (error: Error) => {
  console.error(`[start] ${error.message}`);
  await stopAll(1);
});
