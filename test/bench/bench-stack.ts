/**
 * What every benchmark script starts the same way: a temporary folder, its own PostgreSQL, Temporal
 * dev server and mail sink (test/support/local-stack.ts), the environment the API and the worker
 * read, a database and a Temporal client; and stopping all of it (last started first) at the end,
 * on an error or on Ctrl-C. `runBench` then exits with the script's own exit code.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { type Config, loadConfig } from '../../config/env';
import { createDatabase } from '../../db/client';
import { configureLogging } from '../../logging/logger';
import { WORKER_NODE_FLAGS } from '../../worker/node-flags';
import { type LocalStack, startLocalStack } from '../support/local-stack';
import { cpuSnapshot } from './cpu-shares';

const REPO = path.resolve(__dirname, '../..');

export interface BenchStack {
  root: string;
  stack: LocalStack;
  /** The variables a worker or API process of this bench gets (its own task queue). */
  env: Record<string, string>;
  config: Config;
  database: ReturnType<typeof createDatabase>;
  temporal: Client;
  /** Called in reverse order when the bench ends. */
  closers: (() => Promise<unknown>)[];
}

/** Bytes of the bench's Temporal dev server store: its SQLite file and the write-ahead log beside it. */
export async function devServerDatabaseSize(bench: BenchStack): Promise<number> {
  const file = path.join(bench.root, 'temporal.db');
  const size = async (f: string) => (await stat(f).catch(() => ({ size: 0 }))).size;
  return (await size(file)) + (await size(`${file}-wal`));
}

/** Progress on stderr, with the UTC time: a long run's log says how long each phase took. */
export const benchLogger = (name: string) => (message: string) =>
  process.stderr.write(`[bench:${name}] ${new Date().toISOString().slice(11, 19)} ${message}\n`);

export function runBench(name: string, body: (bench: BenchStack) => Promise<void>): void {
  const log = benchLogger(name);
  const closers: (() => Promise<unknown>)[] = [];
  let root: string | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const close of closers.reverse()) await close().catch((error) => log(`cleanup: ${String(error)}`));
      if (root) await rm(root, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping everything`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const main = async () => {
    root = await mkdtemp(path.join(os.tmpdir(), `peps-bench-${name}-`));
    await chmod(root, 0o755); // as root, PostgreSQL runs as the postgres user, which must reach its data directory
    log(`starting PostgreSQL, Temporal dev server and mail sink in ${root}`);
    const stack = await startLocalStack({ root, database: 'peps_bench' });
    closers.push(() => stack.stop());
    const env = {
      // As production runs: React renders the emails with its production build (6 × faster than the
      // development build that any other NODE_ENV loads), and the secrets production demands.
      NODE_ENV: 'production',
      OPERATOR_TOKEN: randomUUID(),
      TOKEN_SECRET: randomUUID(),
      LOG_LEVEL: 'warn',
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: `bench-${name}-${randomUUID()}`,
      RESEND_BASE_URL: stack.mailSinkUrl,
      PUBLIC_BASE_URL: 'http://peps.bench',
      DATA_DIR: root,
    };
    const config = loadConfig(env);
    // The apps the benches run in this process log as the deployed API does (api/main.ts): one info
    // line per request would be work a deployed API at LOG_LEVEL=warn does not do.
    configureLogging({ level: config.logLevel });
    const database = createDatabase(config.database.url);
    closers.push(() => database.close());
    const connection = await Connection.connect({ address: config.temporal.address });
    closers.push(() => connection.close());
    const temporal = new Client({ connection, namespace: config.temporal.namespace });
    await body({ root, stack, env, config, database, temporal, closers });
  };

  main()
    .finally(() => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      return cleanup();
    })
    .then(
      () => process.exit(process.exitCode ?? 0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
}

/** Resident memory of one process (VmRSS), in bytes. */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}
export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** Polls `check` every 250 ms; the time from `started` until it held. */
export async function until(what: string, check: () => Promise<boolean>, started: number, timeoutMs: number) {
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function inBatches<T>(items: T[], concurrency: number, run: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += concurrency) await Promise.all(items.slice(i, i + concurrency).map(run));
}

/**
 * The real worker (worker/main.ts, or test/bench/worker-process.ts: the same worker without its start-up
 * jobs) as its own process, started as production starts it (worker/node-flags.ts), with NODE_ENV=production
 * as deployed (React, which renders the emails, runs its production build); stopped with the bench.
 */
/** BENCH_WORKER_FLAGS: more node flags for a bench's worker process, to compare a setting (e.g. a V8 GC flag). */
export const benchWorkerFlags = () => (process.env.BENCH_WORKER_FLAGS ?? '').split(' ').filter(Boolean);

export const startWorkerProcess = (bench: BenchStack, script = 'worker/main.ts', extraFlags: string[] = []) =>
  startAppProcess(bench, script, [...extraFlags, ...WORKER_NODE_FLAGS], PRODUCTION_ENV(), 'polling task queue');

const PRODUCTION_ENV = () => ({ NODE_ENV: 'production', OPERATOR_TOKEN: randomUUID(), TOKEN_SECRET: `${randomUUID()}${randomUUID()}` });

/** An API instance (api/main.ts) as its own process on `port`; stopped with the bench. */
export const startApiProcess = (bench: BenchStack, port: number) => startAppProcess(bench, 'api/main.ts', [], { API_PORT: String(port) }, 'listening on');

async function startAppProcess(bench: BenchStack, script: string, flags: string[], env: Record<string, string>, ready: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', script], {
    cwd: REPO,
    env: { ...process.env, ...bench.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  bench.closers.push(async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGINT');
    await new Promise((r) => child.once('exit', r));
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => (String(chunk).includes(ready) ? resolve() : undefined));
    child.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
  });
  return child;
}

/** A positive integer from the environment, else `fallback`. */
export function intFromEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} doit être un entier ≥ ${min} (reçu « ${raw} »)`);
  return value;
}

/**
 * Sizes to grow through, in increasing order, from the environment: `20000,100000` (or one size); `0` for
 * none. Else `fallback`.
 */
export function sizesFromEnv(name: string, fallback: number[]): number[] {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (raw === '0') return [];
  const sizes = raw.split(',').map((part) => Number(part.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1) || sizes.some((n, i) => i > 0 && n <= sizes[i - 1]!)) {
    throw new Error(`${name} doit être 0 ou des entiers ≥ 1 croissants séparés par des virgules (reçu « ${raw} »)`);
  }
  return sizes;
}

export type Part = 'worker' | 'Temporal' | 'PostgreSQL' | 'sink and bench';

/**
 * CPU time (user + system, ms) used so far by this bench's processes, by part (test/bench/cpu-shares.ts
 * reads /proc): the machine is shared, so the CPU an operation costs says more than its wall-clock
 * rate. The mail sink and the in-process API run inside the bench process; PostgreSQL and Temporal
 * are those whose files are in this bench's folder.
 */
export async function cpuByPart(bench: Pick<BenchStack, 'root'>, workerPid?: number): Promise<Record<Part, number>> {
  const seconds = await cpuSnapshot((pid, commandLine): Part | undefined => {
    if (pid === workerPid) return 'worker';
    if (pid === process.pid) return 'sink and bench';
    if (/\/bin\/postgres -D (\S+)/.exec(commandLine)?.[1]?.startsWith(bench.root)) return 'PostgreSQL';
    if (/temporal server start-dev/.test(commandLine) && commandLine.includes(bench.root)) return 'Temporal';
    return undefined;
  });
  const ms = (part: Part) => (seconds.get(part) ?? 0) * 1000;
  return { worker: ms('worker'), Temporal: ms('Temporal'), PostgreSQL: ms('PostgreSQL'), 'sink and bench': ms('sink and bench') };
}

/** `count` calls of `call`, `concurrency` at a time: each call's latency and the overall rate. */
export async function runConcurrently(count: number, concurrency: number, call: (i: number) => Promise<unknown>) {
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await call(i);
        times.push(performance.now() - t0);
      }
    }),
  );
  return { ...timing(times), perSecond: count / ((performance.now() - started) / 1000) };
}

export interface Timing {
  rounds: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function timing(times: number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  return { rounds: times.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}
