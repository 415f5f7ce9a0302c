/**
 * Temporal dev server (`temporal server start-dev`: frontend, SQLite and Web UI in one process) for
 * `npm start` and the tests, on 127.0.0.1, its state in one SQLite file kept across restarts, with
 * the project's search attributes (`--search-attribute` is idempotent on the same file).
 *
 * Not `TestWorkflowEnvironment.createLocal`, which takes the same options: it gives the server 5 s to
 * open its port (this 2-core machine under test load needs up to 14 s), stops it with SIGKILL and
 * mixes its log into ours. The time-skipping test server does go through `createTimeSkipping`.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/definitions';
import { isPortFree } from './ports';
import { temporalCli } from './tools';

export interface TemporalDevServer {
  /** gRPC address, e.g. `127.0.0.1:7233`. */
  address: string;
  uiUrl: string;
  /** SIGTERM (SIGKILL after 10 s); resolves once the server has exited. Idempotent. */
  stop(): Promise<void>;
}

export async function startTemporalDevServer(opts: {
  dbFile: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** Server output, appended. */
  logFile: string;
  searchAttributes?: Record<string, string>;
}): Promise<TemporalDevServer> {
  for (const port of [opts.port, opts.uiPort]) {
    // Otherwise we would wait for, and then talk to, whatever server holds the port.
    if (!(await isPortFree(port))) throw new Error(`Temporal: port ${port} is already in use (is an earlier run still going?)`);
  }
  const searchAttributes = opts.searchAttributes ?? SEARCH_ATTRIBUTE_TYPES;
  const args = [
    'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--ui-port', String(opts.uiPort),
    '--db-filename', path.resolve(opts.dbFile), '--namespace', opts.namespace, '--log-level', 'warn',
    ...Object.entries(searchAttributes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    // SQLite with a write-ahead log, synced at checkpoints rather than at every commit: 3 to 4 times
    // the workflow starts per second of the default (rollback journal, fsync per commit) on this
    // machine. A crash of the server process loses nothing; a crash of the machine may lose the
    // last few seconds, acceptable for a development server (production runs a Temporal cluster).
    '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=NORMAL',
    // offline: no version check, no UI news feed
    '--dynamic-config-value', 'frontend.enableServerVersionCheck=false', '--ui-disable-news-fetch',
    // The CLI turns this on for a dev server (Temporal's default is off, as in our cluster): every read
    // of the search attributes, and of a namespace's aliases for them, then goes to SQLite — 3 cluster
    // metadata and 1 namespace reads per workflow start, half of a start's store calls, ~15 per drained
    // email. Ours are registered by the CLI as it starts (the flags above), before `ready` sees them,
    // and never change while it runs; one added later would be seen within a minute (the cache's life).
    '--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=false',
    ...dynamicConfigArgs(),
  ];
  mkdirSync(path.dirname(path.resolve(opts.dbFile)), { recursive: true });
  const log = openSync(opts.logFile, 'a');
  const cli = await temporalCli();
  // setpriv (util-linux): the kernel kills the server if we die without stopping it (SIGKILL included).
  const child = existsSync('/usr/bin/setpriv')
    ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', cli, ...args], { stdio: ['ignore', log, log] })
    : spawn(cli, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killOnExit);
    })());

  const address = `127.0.0.1:${opts.port}`;
  const uiUrl = `http://127.0.0.1:${opts.uiPort}`;
  const deadline = Date.now() + 90_000;
  let lastError = 'not tried yet';
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    try {
      await ready(address, uiUrl, opts.namespace, Object.keys(searchAttributes));
    } catch (error) {
      lastError = (error as Error).message;
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    await partialVisibilityIndexes(path.resolve(opts.dbFile)).catch(async (error: unknown) => {
      await stop();
      throw error;
    });
    return { address, uiUrl, stop };
  }
  await stop();
  const tail = readFileSync(opts.logFile, 'utf8').trimEnd().split('\n').slice(-20).join('\n');
  throw new Error(`Temporal dev server not ready (${lastError}); end of ${opts.logFile}:\n${tail}`);
}

async function ready(address: string, uiUrl: string, namespace: string, searchAttributes: string[]): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = searchAttributes.filter((name) => !customAttributes?.[name]);
    if (missing.length > 0) throw new Error(`search attributes not registered yet: ${missing.join(', ')}`);
  } finally {
    await connection.close();
  }
  const ui = await fetch(uiUrl);
  await ui.arrayBuffer();
  if (!ui.ok) throw new Error(`UI answers ${ui.status}`);
}

/**
 * The dynamic config `npm run cluster` and docker-compose.yml read (dev/temporal-dynamic-config.yaml),
 * given to the dev server value by value: the same settings everywhere. Its one partition per task
 * queue matters most here: with the dev server's default of 4, a drain's tasks were forwarded from
 * partition to partition (4.5–8.5 forwarded calls per drained email, 1.2 with one partition), each a
 * gRPC call inside the server (README « Worker: email drain »).
 */
export function dynamicConfigArgs(file = path.join(__dirname, 'temporal-dynamic-config.yaml')): string[] {
  const config = parse(readFileSync(file, 'utf8')) as Record<string, { value: unknown; constraints?: unknown }[]>;
  return Object.entries(config).flatMap(([key, values]) => {
    // The dev server's flag takes one value for everything: a value for some namespaces or queues only has no equivalent.
    if (values.length !== 1 || values[0]!.constraints) throw new Error(`${file}: ${key} has constraints, which the dev server cannot take`);
    return ['--dynamic-config-value', `${key}=${JSON.stringify(values[0]!.value)}`];
  });
}

/**
 * The visibility store's indexes of pre-allocated search attribute columns become partial
 * (dev/temporal-sqlite-visibility.py, the rule of dev/temporal-visibility-indexes.sql for the cluster):
 * each visibility write (a run's start, each upsert) maintained 35 indexes, nearly all for a NULL, while
 * holding the dev server's one SQLite connection (README « Worker: email drain »). Without python3 (a CLI
 * given by TEMPORAL_CLI_PATH, no pip), the server runs with Temporal's indexes and says so.
 */
async function partialVisibilityIndexes(dbFile: string): Promise<void> {
  const script = path.join(__dirname, 'temporal-sqlite-visibility.py');
  try {
    await promisify(execFile)('python3', [script, dbFile], { timeout: 60_000 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`Temporal dev server: ${path.basename(script)} failed: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`);
    }
    console.error('[temporal] python3 not found: the visibility store keeps its full indexes (slower writes)');
  }
}
