/**
 * Temporal dev server (`temporal server start-dev`: frontend + SQLite + web UI in a single Go
 * process), spawned as a child of the current process, on 127.0.0.1.
 *
 * Lifetime: the child is NOT detached (spawn without `detached`), so it shares our process
 * group and a Ctrl-C in the terminal reaches it too. On Linux it runs under
 * `setpriv --pdeathsig KILL` (util-linux), so the kernel kills it however this process dies,
 * SIGKILL included. An `exit` handler also kills it on a normal exit. Without setpriv
 * (macOS…), a SIGKILL of the parent can leave it running. `stop()` shuts it down cleanly.
 *
 * Passing `--search-attribute` on every start is idempotent on the same SQLite file (checked
 * with CLI 1.9.1); changing the type of an existing attribute makes the start fail, with the
 * log tail in the error.
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
  /** SQLite file holding the server state; created (with its directory) if missing, reused across runs. */
  dbFile: string;
  /** Frontend gRPC port (on 127.0.0.1). */
  port: number;
  /** Web UI port (on 127.0.0.1). */
  uiPort: number;
  /** Namespace created at startup (idempotent). */
  namespace: string;
  /** Search attributes registered at startup (idempotent on the same SQLite file). */
  searchAttributes: Record<string, DevServerSearchAttributeType>;
  /** Server log (stdout/stderr, appended); without it, the last lines are kept in memory. */
  logFile?: string;
  /** Maximum wait for the frontend, namespace, search attributes and UI. Default 60 s. */
  startTimeoutMs?: number;
  /** Extra arguments for `temporal server start-dev`. */
  extraArgs?: string[];
}

export interface TemporalDevServer {
  /** gRPC address for `Connection.connect({ address })`, e.g. `127.0.0.1:7233`. */
  address: string;
  /** Web UI URL, e.g. `http://127.0.0.1:8233`. */
  uiUrl: string;
  pid: number;
  /** Kills the server (SIGTERM, then SIGKILL after 10 s) and its children; resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const SEARCH_ATTRIBUTE_TYPES: readonly string[] = ['Keyword', 'Text', 'Int', 'Datetime', 'Bool', 'KeywordList', 'Double'];
const LOG_PREFIX = '[temporal-dev]';

export async function startTemporalDevServer(opts: TemporalDevServerOptions): Promise<TemporalDevServer> {
  for (const [name, type] of Object.entries(opts.searchAttributes)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid search attribute name: '${name}'`);
    if (!SEARCH_ATTRIBUTE_TYPES.includes(type)) throw new Error(`invalid search attribute type for ${name}: '${type}'`);
  }
  for (const [what, port] of [['port', opts.port], ['uiPort', opts.uiPort]] as const) {
    if (!(await isPortFree(port))) {
      throw new Error(`Temporal dev server: ${what} ${port} on ${HOST} is already in use (is another server still running?)`);
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
    // stay offline: no version check call home, no UI news feed
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
          // already gone
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
        spawnError.then((err) => `failed to start: ${err.message}`),
        exited.then(({ code, signal }) => `exited early (code ${code}, signal ${signal})`),
      ]),
    });
  } catch (err) {
    await stop();
    throw new Error(
      `Temporal dev server (${cli} ${args.join(' ')}) is not ready: ${(err as Error).message}\n` +
        `--- server log tail${opts.logFile ? ` (${opts.logFile})` : ''} ---\n${log.tail()}`,
    );
  }
  process.stderr.write(`${LOG_PREFIX} ready on ${address} (UI ${uiUrl}) in ${Date.now() - started} ms, database ${dbFile}\n`);
  return { address, uiUrl, pid: child.pid ?? -1, stop };
}

/** True if nothing listens on `host:port` (checked by binding it ourselves). */
export async function isPortFree(port: number, host = HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port that is free right now on `host` (picked by the OS); another process may still take it. */
export async function findFreePort(host = HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port obtained'))));
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
  let lastError = 'not tried yet';
  let stage = 'frontend';
  while (Date.now() < p.deadline) {
    if (failure) throw new Error(failure);
    try {
      if (stage === 'frontend') {
        if (!(await tcpAccepts(p.address))) throw new Error(`nothing listening on ${p.address} yet`);
        const connection = await Connection.connect({ address: p.address, connectTimeout: 2_000 });
        try {
          await connection.workflowService.getSystemInfo({});
          await connection.workflowService.describeNamespace({ namespace: p.namespace });
          const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: p.namespace });
          const missing = p.searchAttributes.filter((name) => !(customAttributes && name in customAttributes));
          if (missing.length > 0) throw new Error(`search attributes not registered yet: ${missing.join(', ')}`);
        } finally {
          await connection.close();
        }
        stage = 'ui';
      }
      const status = await httpStatus(p.uiUrl);
      if (status >= 500) throw new Error(`UI answers HTTP ${status}`);
      return;
    } catch (err) {
      lastError = `${stage}: ${(err as Error).message}`;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out; last error: ${lastError}`);
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
    req.once('timeout', () => req.destroy(new Error(`no response from ${url}`)));
    req.once('error', reject);
  });
}

/** Server output: appended to the file if there is one (the child writes to it directly), otherwise kept in memory. */
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
        return `(cannot read ${this.file}: ${(err as Error).message})`;
      }
    }
    return [...this.lines, this.partial].join('\n').trimEnd().split('\n').slice(-n).join('\n');
  }

  close(): void {
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
    }
  }
}

/** Linux: all descendants of `pid` (via /proc/<pid>/task/<tid>/children); [] elsewhere. */
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
      // not here, try the next directory
    }
  }
  return undefined;
}
