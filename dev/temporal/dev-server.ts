/**
 * Serveur de développement Temporal (`temporal server start-dev` : frontend + SQLite +
 * UI web dans un seul processus Go), lancé comme enfant du processus courant, sur 127.0.0.1.
 *
 * Durée de vie : l'enfant n'est PAS détaché (spawn sans `detached`) : il partage notre
 * groupe de processus, un Ctrl-C au terminal l'atteint aussi. Sous Linux il est lancé via
 * `setpriv --pdeathsig KILL` (util-linux) : le noyau le tue si ce processus meurt, de
 * quelque façon que ce soit, SIGKILL compris. En plus, un gestionnaire `exit` le tue à une
 * sortie normale. Sans setpriv (macOS…), un SIGKILL du parent pourrait le laisser tourner.
 * `stop()` l'arrête proprement.
 *
 * `--search-attribute` à chaque démarrage est idempotent sur un même fichier SQLite
 * (vérifié avec la CLI 1.9.1) ; changer le type d'un attribut existant fait échouer le
 * démarrage, avec la fin du journal dans l'erreur.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { ensureTemporalCli } from './binaries';

export type DevServerSearchAttributeType = 'Keyword' | 'Text' | 'Int' | 'Datetime' | 'Bool' | 'KeywordList' | 'Double';

export interface TemporalDevServerOptions {
  /** Fichier SQLite de l'état du serveur ; créé (avec son dossier) s'il manque, réutilisé d'un lancement à l'autre. */
  dbFile: string;
  /** Port gRPC du frontend (sur 127.0.0.1). */
  port: number;
  /** Port de l'UI web (sur 127.0.0.1). */
  uiPort: number;
  /** Namespace créé au démarrage (idempotent). */
  namespace: string;
  /** Attributs de recherche enregistrés au démarrage (idempotent sur le même fichier SQLite). */
  searchAttributes: Record<string, DevServerSearchAttributeType>;
  /** Journal du serveur (stdout/stderr, en ajout) ; sinon gardé en mémoire (dernières lignes). */
  logFile?: string;
  /** Attente maximale du frontend, du namespace, des attributs et de l'UI. Défaut 60 s. */
  startTimeoutMs?: number;
  /** Arguments supplémentaires de `temporal server start-dev`. */
  extraArgs?: string[];
}

export interface TemporalDevServer {
  /** Adresse gRPC pour `Connection.connect({ address })`, ex. `127.0.0.1:7233`. */
  address: string;
  /** URL de l'UI web, ex. `http://127.0.0.1:8233`. */
  uiUrl: string;
  /** Pid du processus serveur. */
  pid: number;
  /** Tue le serveur (SIGTERM, puis SIGKILL après 10 s) et ses enfants ; résout une fois qu'il est sorti. Idempotent. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const SEARCH_ATTRIBUTE_TYPES: readonly string[] = ['Keyword', 'Text', 'Int', 'Datetime', 'Bool', 'KeywordList', 'Double'];
const LOG_PREFIX = '[temporal-dev]';

export async function startTemporalDevServer(opts: TemporalDevServerOptions): Promise<TemporalDevServer> {
  for (const [name, type] of Object.entries(opts.searchAttributes)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`nom d'attribut de recherche invalide : '${name}'`);
    if (!SEARCH_ATTRIBUTE_TYPES.includes(type)) throw new Error(`type d'attribut de recherche invalide pour ${name} : '${type}'`);
  }
  for (const [what, port] of [['port', opts.port], ['uiPort', opts.uiPort]] as const) {
    if (!(await isPortFree(port))) {
      throw new Error(`Serveur de dev Temporal : ${what} ${port} sur ${HOST} déjà utilisé (un autre serveur tourne encore ?)`);
    }
  }

  const cli = await ensureTemporalCli();
  const dbFile = path.resolve(opts.dbFile);
  fs.mkdirSync(path.dirname(dbFile), { recursive: true });

  const args = [
    'server',
    'start-dev',
    '--ip',
    HOST,
    '--port',
    String(opts.port),
    '--ui-port',
    String(opts.uiPort),
    '--db-filename',
    dbFile,
    '--namespace',
    opts.namespace,
    ...Object.entries(opts.searchAttributes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    '--log-level',
    'warn',
    // pas d'appel sortant pour vérifier la version, pas de fil d'actualités de l'UI
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    '--ui-disable-news-fetch',
    ...(opts.extraArgs ?? []),
  ];

  const log = new ServerLog(opts.logFile);
  const setpriv = process.platform === 'linux' ? findExecutable('setpriv') : undefined;
  const [cmd, cmdArgs] = setpriv ? [setpriv, ['--pdeathsig', 'KILL', '--', cli, ...args]] : [cli, args];

  const started = Date.now();
  const child = spawn(cmd, cmdArgs, {
    stdio: ['ignore', log.stdio(), log.stdio()],
    detached: false,
  });
  log.attach(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const killOnExit = () => {
    if (!hasExited) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const descendants = child.pid ? listDescendants(child.pid) : [];
      if (!hasExited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      for (const pid of descendants) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // déjà parti
        }
      }
      process.removeListener('exit', killOnExit);
      log.close();
    })();
    return stopping;
  };

  const address = `${HOST}:${opts.port}`;
  const uiUrl = `http://${HOST}:${opts.uiPort}`;
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  try {
    await waitUntilReady({
      address,
      uiUrl,
      namespace: opts.namespace,
      searchAttributes: Object.keys(opts.searchAttributes),
      deadline: started + timeoutMs,
      failed: Promise.race([
        spawnError.then((err) => `lancement impossible : ${err.message}`),
        exited.then(({ code, signal }) => `sorti prématurément (code ${code}, signal ${signal})`),
      ]),
    });
  } catch (err) {
    await stop();
    throw new Error(
      `Le serveur de dev Temporal (${cli} ${args.join(' ')}) n'est pas prêt : ${(err as Error).message}\n` +
        `--- fin du journal du serveur${opts.logFile ? ` (${opts.logFile})` : ''} ---\n${log.tail()}`,
    );
  }
  process.stderr.write(`${LOG_PREFIX} prêt sur ${address} (UI ${uiUrl}) en ${Date.now() - started} ms, base ${dbFile}\n`);
  return { address, uiUrl, pid: child.pid ?? -1, stop };
}

/** Vrai si rien n'écoute sur `host:port` (on peut s'y lier nous-mêmes). */
export async function isPortFree(port: number, host = HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Un port libre à l'instant sur `host` (choisi par le système). */
export async function findFreePort(host = HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('pas de port libre obtenu'))));
    });
  });
}

// ---------------------------------------------------------------------------

async function waitUntilReady(p: {
  address: string;
  uiUrl: string;
  namespace: string;
  searchAttributes: string[];
  deadline: number;
  failed: Promise<string>;
}): Promise<void> {
  let failure: string | undefined;
  void p.failed.then((f) => (failure = f));
  let lastError = 'pas encore essayé';
  let stage = 'frontend';
  while (Date.now() < p.deadline) {
    if (failure) throw new Error(failure);
    try {
      if (stage === 'frontend') {
        if (!(await tcpAccepts(p.address))) throw new Error(`rien n'écoute encore sur ${p.address}`);
        const connection = await Connection.connect({ address: p.address, connectTimeout: 2_000 });
        try {
          await connection.workflowService.getSystemInfo({});
          await connection.workflowService.describeNamespace({ namespace: p.namespace });
          const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: p.namespace });
          const missing = p.searchAttributes.filter((name) => !(customAttributes && name in customAttributes));
          if (missing.length > 0) throw new Error(`attributs de recherche pas encore enregistrés : ${missing.join(', ')}`);
        } finally {
          await connection.close();
        }
        stage = 'ui';
      }
      const status = await httpStatus(p.uiUrl);
      if (status >= 500) throw new Error(`l'UI répond HTTP ${status}`);
      return;
    } catch (err) {
      lastError = `${stage}: ${(err as Error).message}`;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`délai dépassé ; dernière erreur : ${lastError}`);
}

function tcpAccepts(address: string): Promise<boolean> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('timeout', () => req.destroy(new Error(`pas de réponse de ${url}`)));
    req.once('error', reject);
  });
}

/** Sortie du serveur : ajoutée au fichier s'il y en a un (l'enfant y écrit directement), sinon gardée en mémoire. */
class ServerLog {
  private readonly fd: number | undefined;
  private lines: string[] = [];
  private partial = '';

  constructor(private readonly file: string | undefined) {
    if (file) {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      this.fd = fs.openSync(file, 'a');
    }
  }

  stdio(): number | 'pipe' {
    return this.fd ?? 'pipe';
  }

  attach(child: ChildProcess): void {
    if (this.fd !== undefined) return;
    const onData = (d: Buffer) => {
      const parts = (this.partial + d.toString()).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
      if (this.lines.length > 400) this.lines = this.lines.slice(-200);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  }

  tail(n = 40): string {
    if (this.file) {
      try {
        const size = fs.statSync(this.file).size;
        const len = Math.min(size, 16_384);
        const buf = Buffer.alloc(len);
        const fd = fs.openSync(this.file, 'r');
        try {
          fs.readSync(fd, buf, 0, len, size - len);
        } finally {
          fs.closeSync(fd);
        }
        return buf.toString('utf8').trimEnd().split('\n').slice(-n).join('\n');
      } catch (err) {
        return `(lecture de ${this.file} impossible : ${(err as Error).message})`;
      }
    }
    return [...this.lines, this.partial].join('\n').trimEnd().split('\n').slice(-n).join('\n');
  }

  close(): void {
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // déjà fermé
      }
    }
  }
}

/** Linux : tous les descendants de `pid` (via /proc/<pid>/task/<tid>/children) ; [] ailleurs. */
function listDescendants(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number) => {
    let tids: string[] = [];
    try {
      tids = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const tid of tids) {
      let children = '';
      try {
        children = fs.readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of children.split(/\s+/).filter(Boolean).map(Number)) {
        if (!out.includes(c)) {
          out.push(c);
          visit(c);
        }
      }
    }
  };
  visit(pid);
  return out;
}

function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // suivant
    }
  }
  return undefined;
}
