/**
 * `npm run cluster`: the production topology on one machine, next to `npm start`'s all-in-one.
 *
 * - PostgreSQL: the embedded one (in `<DATA_DIR>/cluster/postgres`), or DATABASE_URL's server;
 * - Temporal: the real server (dev/tools.ts builds it), its four services (frontend, history,
 *   matching, worker) as four processes reading one config file, persistence and visibility on
 *   PostgreSQL (databases `temporal` and `temporal_visibility`, created and migrated with Temporal's
 *   own SQL tool and schema files); the namespace and SEARCH_ATTRIBUTE_TYPES registered with the CLI;
 * - the Temporal Web UI server pointed at the frontend (skipped with a warning when it cannot be built);
 * - the mail sink, two workers and two API instances.
 *
 * Every port is picked free at start (nothing collides with `npm start` or the tests); the banner
 * prints them. Logs go to `<DATA_DIR>/cluster/logs/`. Ctrl-C stops everything, last started first.
 * `startCluster()` is also what the fault drill (test/bench/cluster-drill.ts) runs and breaks.
 */
import { execFile, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import type { SearchAttributes } from '@temporalio/common';
import { EMBEDDED_DATABASE_NAME, loadConfigOrExit } from '../config/env';
import { migrateDatabase } from '../db/migrate';
import { buildConsole } from '../web/build';
import { workerNodeArgs } from '../worker/node-flags';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/definitions';
import { seedDemoBanner } from './demo';
import { startMailSink } from './mail-sink';
import { findFreePort, freePorts } from './ports';
import { createDatabaseIfMissing, createDatabaseOfUrl, startEmbeddedPostgres, withDatabase, type EmbeddedPostgres } from './postgres';
import { temporalCli, temporalPostgresSchemaDir, temporalServer, temporalSqlTool, temporalUiServer } from './tools';

const ROOT = path.resolve(__dirname, '..');
/** Fixed when the `temporal` database is created: Temporal refuses a config that changes it later. */
const HISTORY_SHARDS = 8;
/** Run after Temporal's visibility migration (partial search attribute indexes), shared with docker-compose.yml. */
const VISIBILITY_INDEXES_FILE = path.join(ROOT, 'dev', 'temporal-visibility-indexes.sql');
/** Temporal's dynamic config, shared with docker-compose.yml. */
const DYNAMIC_CONFIG_FILE = path.join(ROOT, 'dev', 'temporal-dynamic-config.yaml');
const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
/**
 * The embedded PostgreSQL's connection limit, repeated by docker-compose.yml's postgres service. Each of
 * Temporal's four services opens its own pools (temporal 20, visibility 10: up to 120), the two APIs and
 * two workers 10 each, the drill and the operators a few more: PostgreSQL's default of 100 would answer
 * « too many clients » in a burst.
 */
export const POSTGRES_MAX_CONNECTIONS = 250;
/**
 * Temporal's PostgreSQL driver, repeated by docker-compose.yml (`DB`; its unit test checks it).
 * `postgres12_pgx`, not `postgres12` (lib/pq): pgx prepares each statement once per connection and
 * reuses it in one round trip, where lib/pq has every statement parsed again, in two; the `temporal`
 * database's backends spent about half the CPU per creation (README « The cluster's own cost »).
 */
export const TEMPORAL_SQL_PLUGIN = 'postgres12_pgx';
/**
 * The Go runtime of Temporal's four services, repeated by docker-compose.yml (its unit test checks it).
 * GOGC=400: the heap may grow to 5 × what is live (history ~27 MB live, frontend ~18, matching and
 * worker ~13: some 250 MB more in all) before the garbage collector runs, a quarter as many
 * collections as the default 100 for the same work (README « The cluster's own cost »).
 */
export const TEMPORAL_GO_ENV = { GOGC: '400' } as const;
type TemporalService = (typeof TEMPORAL_SERVICES)[number];

/** One child process of the cluster, which the drill may kill and start again. */
export interface ClusterProcess {
  readonly name: string;
  readonly logFile: string;
  /** Its process id while it runs (the benchmark accounts its CPU time). */
  readonly pid: number | undefined;
  /** Starts it (again) and resolves once it is ready. */
  start(): Promise<void>;
  /** Sends `signal` (SIGTERM by default, SIGKILL after 15 s) and resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface Cluster {
  apis: string[];
  frontend: string;
  namespace: string;
  uiUrl?: string;
  mailbox: string;
  databaseUrl: string;
  logDir: string;
  temporal: Record<TemporalService, ClusterProcess>;
  workers: ClusterProcess[];
  apiProcesses: ClusterProcess[];
  /** Embedded PostgreSQL only: fast shutdown, then the same data on the same port. */
  restartPostgres?: () => Promise<void>;
  /** The demonstration establishment: banner lines, and its admin's credentials on a first start. */
  demo: Awaited<ReturnType<typeof seedDemoBanner>>;
  stop(): Promise<void>;
}

interface DbServer {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** `appEnv`: more variables for the workers and APIs (the throughput benchmark gives them its own). */
export async function startCluster(opts: { dataDir: string; appEnv?: Record<string, string> }): Promise<Cluster> {
  const config = loadConfigOrExit();
  const dir = path.join(opts.dataDir, 'cluster');
  const logDir = path.join(dir, 'logs');
  await mkdir(logDir, { recursive: true });
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const part of started.splice(0).reverse()) await part.stop().catch(() => undefined);
  };
  try {
    // The tools first: a build failure should not leave half a cluster running.
    const [server, sqlTool, cli, schemaDir] = await Promise.all([temporalServer(), temporalSqlTool(), temporalCli(), temporalPostgresSchemaDir()]);
    const uiServer = await Promise.resolve(temporalUiServer()).catch((error: Error) => {
      console.warn(`[cluster] no Temporal Web UI: ${error.message}`);
      return undefined;
    });

    // The admin connection: the server's maintenance database, which exists before ours does.
    let serverUrl = withDatabase(config.database.url, 'postgres');
    let restartPostgres: (() => Promise<void>) | undefined;
    if (config.database.embedded) {
      const pgPort = await findFreePort();
      const pgOptions = { dataDir: path.join(dir, 'postgres'), port: pgPort, postgresFlags: ['-c', `max_connections=${POSTGRES_MAX_CONNECTIONS}`] };
      let pg: EmbeddedPostgres = await startEmbeddedPostgres(pgOptions);
      started.push({ stop: () => pg.stop() });
      serverUrl = pg.url('postgres');
      restartPostgres = async () => {
        await pg.stop();
        pg = await startEmbeddedPostgres(pgOptions);
      };
      await pg.createDatabase(EMBEDDED_DATABASE_NAME);
    } else {
      await createDatabaseOfUrl(config.database.url);
    }
    const databaseUrl = config.database.embedded ? withDatabase(serverUrl, EMBEDDED_DATABASE_NAME) : config.database.url;
    await migrateDatabase(databaseUrl);
    const db = dbServer(serverUrl);
    for (const [database, schema] of [['temporal', 'temporal'], ['temporal_visibility', 'visibility']] as const) {
      await createDatabaseIfMissing(serverUrl, database);
      await migrateTemporalSchema(sqlTool, db, database, path.join(schemaDir, schema, 'versioned'));
    }
    await runSqlFile(withDatabase(serverUrl, 'temporal_visibility'), VISIBILITY_INDEXES_FILE);

    const sink = await startMailSink({ port: await findFreePort(), host: '127.0.0.1', dir: path.join(dir, 'mail') });
    started.push(sink);

    const ports = await freePorts(TEMPORAL_SERVICES.length * 2 + 1);
    const grpc = (i: number) => ports[i * 2];
    const frontend = `127.0.0.1:${grpc(0)}`;
    const configFile = path.join(dir, 'temporal.json');
    await writeFile(configFile, JSON.stringify(temporalConfig(db, ports), null, 2));

    const temporal = Object.fromEntries(
      TEMPORAL_SERVICES.map((service, i) => [
        service,
        managed(`temporal-${service}`, server, ['--config-file', configFile, '--allow-no-auth', 'start', '--service', service], TEMPORAL_GO_ENV, logDir, () =>
          portOpen(grpc(i)!),
        ),
      ]),
    ) as Record<TemporalService, ClusterProcess>;
    for (const service of TEMPORAL_SERVICES) {
      started.push(temporal[service]);
      await temporal[service].start();
    }
    await registerNamespace(cli, frontend, config.temporal.namespace);

    let uiUrl: string | undefined;
    if (uiServer) {
      const uiPort = await findFreePort();
      const ui = await startUi(uiServer, dir, logDir, frontend, config.temporal.namespace, uiPort);
      started.push(ui);
      uiUrl = `http://127.0.0.1:${uiPort}`;
    }

    const apiPorts = await freePorts(2);
    const apis = apiPorts.map((port) => `http://localhost:${port}`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: frontend,
      RESEND_BASE_URL: sink.url,
      PUBLIC_BASE_URL: process.env.PUBLIC_BASE_URL || apis[0],
      ...opts.appEnv,
    };
    // `node --import tsx`, not the tsx command: that one runs the program in a child process, which a
    // SIGKILL of the command (the drill's) would leave running.
    const node = (script: string) => ['--import', 'tsx', path.join(ROOT, script)];
    const workers = [1, 2].map((n) =>
      managed(`worker-${n}`, process.execPath, workerNodeArgs(path.join(ROOT, 'worker/main.ts')), env, logDir, /polling task queue/),
    );
    const apiProcesses = apiPorts.map((port, i) =>
      managed(`api-${i + 1}`, process.execPath, node('api/main.ts'), { ...env, API_PORT: String(port) }, logDir, /listening on/),
    );
    // The demo before the workers: their start-up reconcile then sees it.
    const demo = await seedDemoBanner(databaseUrl);
    await buildConsole(); // the APIs serve it at `/`, as under npm start
    started.push(...workers, ...apiProcesses);
    await Promise.all([...workers, ...apiProcesses].map((p) => p.start()));

    return {
      apis,
      frontend,
      namespace: config.temporal.namespace,
      uiUrl,
      mailbox: sink.url,
      databaseUrl,
      logDir,
      temporal,
      workers,
      apiProcesses,
      restartPostgres,
      demo,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function dbServer(url: string): DbServer {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

/** Temporal's own migration: version tables (`setup-schema -v 0.0`, a no-op once there), then every versioned step not applied yet. */
async function migrateTemporalSchema(sqlTool: string, db: DbServer, database: string, versionedDir: string): Promise<void> {
  const base = ['--plugin', 'postgres12', '--ep', db.host, '-p', String(db.port), '-u', db.user, '--db', database];
  const env = { ...process.env, SQL_PASSWORD: db.password }; // not on the command line, where `ps` shows it
  const run = (args: string[]) => promisify(execFile)(sqlTool, [...base, ...args], { env, timeout: 5 * 60_000 });
  await run(['setup-schema', '-v', '0.0']);
  await run(['update-schema', '-d', versionedDir]);
}

export async function runSqlFile(databaseUrl: string, file: string): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
  try {
    await sql.unsafe(await readFile(file, 'utf8'));
  } finally {
    await sql.end();
  }
}

/** The server's config: the four services on 127.0.0.1, PostgreSQL for history and visibility. */
function temporalConfig(db: DbServer, ports: number[]) {
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: TEMPORAL_SQL_PLUGIN,
      databaseName,
      connectAddr: `${db.host}:${db.port}`,
      connectProtocol: 'tcp',
      user: db.user,
      password: db.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (i: number) => ({ rpc: { grpcPort: ports[i * 2], membershipPort: ports[i * 2 + 1], bindOnLocalHost: true } });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: { default: store('temporal', 20), visibility: store('temporal_visibility', 10) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    dynamicConfigClient: { filepath: DYNAMIC_CONFIG_FILE, pollInterval: '60s' },
    services: {
      frontend: { rpc: { ...rpc(0).rpc, httpPort: ports[TEMPORAL_SERVICES.length * 2] } },
      history: rpc(1),
      matching: rpc(2),
      worker: rpc(3),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports[0]}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
  };
}

/**
 * The namespace and the search attributes, with the CLI (both idempotent here), then a probe start
 * carrying every attribute: the frontend caches the attribute list, and the workers must not start
 * workflows it still refuses.
 */
async function registerNamespace(cli: string, address: string, namespace: string): Promise<void> {
  const temporal = (args: string[]) => promisify(execFile)(cli, [...args, '--address', address], { timeout: 60_000 });
  await retry('namespace', async () => {
    await temporal(['operator', 'namespace', 'create', '--namespace', namespace, '--retention', '30d']).catch((error: { stderr?: string }) => {
      if (!/already (exists|registered)/i.test(error.stderr ?? '')) throw error;
    });
  });
  const connection = await Connection.connect({ address });
  try {
    // One attribute per call, only the missing ones, listed again at each attempt: on this server
    // a call naming several keeps only the first, and a call naming an existing one is refused.
    await retry('search attributes', async () => {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = Object.entries(SEARCH_ATTRIBUTE_TYPES).filter(([name]) => !customAttributes?.[name]);
      for (const [name, type] of missing) {
        await temporal(['operator', 'search-attribute', 'create', '--namespace', namespace, '--name', name, '--type', type]);
      }
      if (missing.length > 0) throw new Error(`just created: ${missing.map(([name]) => name).join(', ')} (listed again)`);
    });
    const client = new Client({ connection, namespace });
    const sample = { Keyword: 'sonde', Bool: false, Datetime: new Date() } as const;
    await retry('search attributes in use', async () => {
      const handle = await client.workflow.start('clusterProbe', {
        taskQueue: 'cluster-probe',
        workflowId: `cluster-probe-${Date.now()}`,
        searchAttributes: Object.fromEntries(Object.entries(SEARCH_ATTRIBUTE_TYPES).map(([name, type]) => [name, [sample[type]]])) as SearchAttributes,
      });
      await handle.terminate('sonde de démarrage du cluster');
    });
  } finally {
    await connection.close();
  }
}

async function startUi(uiServer: string, dir: string, logDir: string, frontend: string, namespace: string, port: number): Promise<ClusterProcess> {
  const configDir = path.join(dir, 'ui');
  await mkdir(configDir, { recursive: true });
  const yaml = [
    `temporalGrpcAddress: ${frontend}`,
    'host: 127.0.0.1',
    `port: ${port}`,
    'enableUi: true',
    `defaultNamespace: ${namespace}`,
    'disableNewsFetch: true',
    'notifyOnNewVersion: false',
    'cors:',
    '  cookieInsecure: true',
    '',
  ].join('\n');
  await writeFile(path.join(configDir, 'cluster.yaml'), yaml);
  const ui = managed('temporal-ui', uiServer, ['--root', dir, '--config', 'ui', '--env', 'cluster', 'start'], {}, logDir, () => portOpen(port));
  await ui.start();
  return ui;
}

/**
 * A child process with its output in `<logDir>/<name>.log`, killed by the kernel if we die
 * (setpriv --pdeathsig, as for the dev server). Ready when `ready` matches its output or resolves true.
 */
export function managed(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logDir: string,
  ready: RegExp | (() => Promise<boolean>),
): ClusterProcess {
  const logFile = path.join(logDir, `${name}.log`);
  let child: ReturnType<typeof spawn> | undefined;
  let exited: Promise<void> = Promise.resolve();
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  return {
    name,
    logFile,
    get pid() {
      return alive() ? child!.pid : undefined;
    },
    async start() {
      if (alive()) return;
      const log = createWriteStream(logFile, { flags: 'a' });
      const useSetpriv = existsSync('/usr/bin/setpriv');
      const options = { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
      const proc = useSetpriv ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', command, ...args], options) : spawn(command, args, options);
      child = proc;
      let seen = false;
      let tail = '';
      const onData = (chunk: Buffer) => {
        log.write(chunk);
        tail = (tail + chunk.toString()).slice(-4000);
        if (ready instanceof RegExp && ready.test(tail)) seen = true;
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      exited = new Promise((resolve) => proc.once('exit', () => log.end(resolve)));
      const deadline = Date.now() + 180_000;
      while (!seen) {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          throw new Error(`${name} exited (${proc.signalCode ?? proc.exitCode}) before it was ready; end of ${logFile}:\n${tail.slice(-1500)}`);
        }
        if (Date.now() > deadline) throw new Error(`${name} not ready after 180 s; see ${logFile}`);
        if (!(ready instanceof RegExp)) seen = await ready();
        if (!seen) await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (!alive()) return;
      child!.kill(signal);
      const timer = setTimeout(() => child?.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

export async function retry<T>(what: string, attempt: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`${what}: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

async function main() {
  const config = loadConfigOrExit();
  let cluster: Cluster | undefined;
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await cluster?.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));
  console.log('[cluster] démarrage (PostgreSQL, Temporal : frontend, history, matching, worker ; 2 workers, 2 API) …');
  cluster = await startCluster({ dataDir: config.dataDir });
  const rel = (p: string) => (path.relative(ROOT, p).startsWith('..') ? p : path.relative(ROOT, p));
  console.log(
    [
      '',
      "PEP's — gestion des comptes, topologie de production : tout est démarré.",
      ...cluster.apis.map((api, i) => `  API ${i + 1}           ${api}   (documentation ${api}/docs)`),
      `  Temporal        ${cluster.frontend} (frontend ; namespace ${cluster.namespace})`,
      cluster.uiUrl ? `  Temporal UI     ${cluster.uiUrl}` : '  Temporal UI     indisponible (voir plus haut)',
      `  Boîte mail      ${cluster.mailbox}`,
      `  PostgreSQL      ${cluster.databaseUrl.replace(/:[^:@/]*@/, ':…@')}`,
      `  Journaux        ${rel(cluster.logDir)}/`,
      ...cluster.demo.lines,
      '',
      `Ctrl-C arrête tout (les données restent dans ${rel(path.dirname(cluster.logDir))}/).`,
      '',
    ].join('\n'),
  );
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`[cluster] ${error.message}`);
    process.exit(1);
  });
}
