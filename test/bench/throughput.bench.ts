/**
 * Throughput side by side, in one run: `npm run bench:throughput` (issue 16).
 *
 * Starts, in a temporary folder, both topologies of the project:
 * - the cluster (`npm run cluster`'s, dev/cluster.ts): Temporal's four services on PostgreSQL, two
 *   workers, two API instances;
 * - the dev server's (`npm start`'s shape): Temporal's dev server on SQLite, one worker, one API instance;
 * and, with `BENCH_KEYCLOAK=1`, the peer: Keycloak (test/bench/keycloak.ts; fetched into `.tools/`
 * the first time, or `KEYCLOAK_HOME`).
 *
 * Then, in rounds (the order turning at each round), one contender at a time while the others idle:
 * - account creation **with its activation email**: `BENCH_THROUGHPUT_ACCOUNTS` creations (default
 *   200), 8 at a time (`BENCH_CONCURRENCY`), through the cluster's two APIs in turn / the dev API /
 *   Keycloak's create-user + execute-actions-email; the rate of answered requests, and the time until
 *   every activation email is in the contender's sink (the project's workers send it after the
 *   answer; Keycloak sends it before answering);
 * - the raw limit of each Temporal server: `BENCH_THROUGHPUT_STARTS` bare starts (default 400) of the
 *   same activation workflow from a client at the same concurrency, on a task queue no worker polls;
 * - the floor of each Temporal server: `BENCH_THROUGHPUT_ACCOUNTS` workflows that do what an activation's
 *   first task does with nothing of ours in it (test/bench/floor-workflow.ts: a start from a client, one
 *   workflow task with a no-op local activity and a timer), run by a worker process set up as ours
 *   (test/bench/floor-worker.ts): the rate, and the CPU per workflow by process — what any creation
 *   with its email costs on that server before the API, our workflow, its email and our database.
 * First `BENCH_THROUGHPUT_WARM_UP` (default 40) of each, unmeasured. Each line carries the 1-minute
 * load average at its end: the machine is shared.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startActivation } from '../../accounts/lifecycles';
import { type Cluster, startCluster } from '../../dev/cluster';
import { createMailSinkClient } from '../../dev/mail-sink';
import { findFreePort } from '../../dev/ports';
import { KEYCLOAK_VERSION } from '../../dev/tools';
import { seedDemo } from '../../db/seed';
import { CREATION_SUBJECT, login, postAccount } from './account-requests';
import { benchLogger, intFromEnv, runBench, runConcurrently, startApiProcess, startWorkerProcess } from './bench-stack';
import { cpuBetween, cpuSnapshot, type Labeller, machineCpuSeconds } from './cpu-shares';
import { startKeycloak, startSmtpSink } from './keycloak';
import { WORKER_NODE_FLAGS } from '../../worker/node-flags';

const ACCOUNTS = intFromEnv('BENCH_THROUGHPUT_ACCOUNTS', 200);
const STARTS = intFromEnv('BENCH_THROUGHPUT_STARTS', 400);
const ROUNDS = intFromEnv('BENCH_THROUGHPUT_ROUNDS', 2);
/** Unmeasured creations and starts first: the JITs (V8's, the JVM's) and the caches warm up. */
const WARM_UP = intFromEnv('BENCH_THROUGHPUT_WARM_UP', 40);
const CONCURRENCY = intFromEnv('BENCH_CONCURRENCY', 8);
const WITH_KEYCLOAK = process.env.BENCH_KEYCLOAK === '1';
const EMAIL_TIMEOUT_MS = 10 * 60_000;
const log = benchLogger('throughput');
const load = () => os.loadavg()[0]!.toFixed(1);

/** One way of creating an account with its activation email. */
interface Contender {
  label: string;
  /** The CPU labels (see `labeller`) of its own processes start with this. */
  cpuPrefix: string;
  create(email: string, i: number): Promise<void>;
  /** When each of `addresses` got its first activation email (ms since the epoch), or null while one is missing. */
  emailTimes(addresses: string[]): Promise<number[] | null>;
}

/** A Temporal server's bare start: the activation workflow's own options, nobody to run it. */
interface RawStarter {
  label: string;
  start(key: string): Promise<void>;
}

/** The project's API instances (in turn) and their mail sink. */
function projectContender(label: string, cpuPrefix: string, apis: string[], token: string, establishmentId: string, mailbox: string): Contender {
  const sink = createMailSinkClient(mailbox);
  return {
    label,
    cpuPrefix,
    async create(email, i) {
      const { status } = await postAccount(apis[i % apis.length]!, {
        token, establishmentId, email, lastName: 'Lefèvre-Nouvel', firstName: 'Anaïs', idempotencyKey: randomUUID(),
      });
      if (status !== 201) throw new Error(`${label}: ${email} → HTTP ${status}`);
    },
    async emailTimes(addresses) {
      const first = new Map<string, number>();
      for (const message of await sink.list()) {
        if (message.subject !== CREATION_SUBJECT) continue;
        const at = Date.parse(message.createdAt);
        for (const to of message.to) first.set(to.toLowerCase(), Math.min(first.get(to.toLowerCase()) ?? at, at));
      }
      const times = addresses.map((address) => first.get(address));
      return times.every((t) => t !== undefined) ? (times as number[]) : null;
    },
  };
}

function rawStarter(label: string, temporal: Client): RawStarter {
  const deps = { temporal, config: { temporal: { taskQueue: `bench-raw-${randomUUID()}` } } };
  const run = randomUUID().slice(0, 8);
  return {
    label,
    start: (key) => startActivation(deps, { id: randomUUID(), loginId: `RAW-${run}-${key}`, expiresOn: '2028-05-23' }, '00000000000000'),
  };
}

/** A Temporal server's floor: floor workflows from a client, run by a floor worker process. */
interface Floor {
  label: string;
  /** Which CPU labels are that server's own processes (its services and their database). */
  serverLabel: RegExp;
  workerLabel: string;
  start(key: string): Promise<void>;
  /** Resolves once the floor worker has run `count` more local activities than when called. */
  ran(count: number): Promise<void>;
}

/** The floor worker (test/bench/floor-worker.ts), started as ours is (worker/node-flags.ts), on its own task queue. */
async function startFloor(bench: { closers: (() => Promise<unknown>)[] }, label: string, serverLabel: RegExp, temporal: Client, address: string): Promise<Floor> {
  const taskQueue = `bench-floor-${randomUUID()}`;
  const child: ChildProcess = spawn(process.execPath, [...WORKER_NODE_FLAGS, '--import', 'tsx', path.join(__dirname, 'floor-worker.ts')], {
    env: { ...process.env, FLOOR_TEMPORAL_ADDRESS: address, FLOOR_NAMESPACE: temporal.options.namespace, FLOOR_TASK_QUEUE: taskQueue },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  bench.closers.push(async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  });
  let done = 0;
  type Message = { ready?: true; done?: number };
  const waiting: { resolve(message: Message): void; reject(error: Error): void }[] = [];
  child.on('message', (message: Message) => waiting.shift()?.resolve(message));
  child.once('exit', (code) => {
    for (const wait of waiting.splice(0)) wait.reject(new Error(`floor worker (${label}) exited (${code})`));
  });
  const next = () => new Promise<Message>((resolve, reject) => waiting.push({ resolve, reject }));
  await next();
  const workerLabel = `floor worker (${label})`;
  knownPids.set(child.pid!, workerLabel);
  return {
    label,
    serverLabel,
    workerLabel,
    start: async (key) => {
      await temporal.workflow.start('floorWorkflow', { taskQueue, workflowId: `floor-${key}-${randomUUID()}` });
    },
    async ran(count) {
      const answer = next();
      child.send({ until: done + count });
      done = (await answer).done!;
    },
  };
}

interface FloorRun {
  cpu: Map<string, number>;
  perSecond: number;
  load: string;
}

async function measureFloor(floor: Floor, round: number | 'warm-up', count = ACCOUNTS): Promise<FloorRun> {
  const cpuBefore = await cpuSnapshot(labeller);
  const started = Date.now();
  await runConcurrently(count, CONCURRENCY, (i) => floor.start(`${round}-${i}`));
  await floor.ran(count);
  const result = { cpu: cpuBetween(cpuBefore, await cpuSnapshot(labeller)), perSecond: (1000 * count) / (Date.now() - started), load: load() };
  log(`floor, ${floor.label}, ${round === 'warm-up' ? round : `round ${round}`}: ${result.perSecond.toFixed(1)} workflows/s with their first task (load ${result.load})`);
  return result;
}

interface CreationRun {
  /** CPU seconds per label from the first request to the last email, and the whole machine's ("machine"). */
  cpu: Map<string, number>;
  requestsPerSecond: number;
  p99: number;
  /** From the first request to the last activation email. */
  emailsSeconds: number;
  load: string;
}

async function measureCreation(contender: Contender, round: number | 'warm-up', count = ACCOUNTS): Promise<CreationRun> {
  const addresses = Array.from({ length: count }, (_, i) => `debit-${round}-${i}-${randomUUID().slice(0, 6)}@mairie.test`);
  const [cpuBefore, machineBefore] = [await cpuSnapshot(labeller), await machineCpuSeconds()];
  const started = Date.now();
  const run = await runConcurrently(count, CONCURRENCY, (i) => contender.create(addresses[i]!, i));
  for (;;) {
    const times = await contender.emailTimes(addresses);
    if (times) {
      const cpu = cpuBetween(cpuBefore, await cpuSnapshot(labeller)).set('machine', (await machineCpuSeconds()) - machineBefore);
      const result = { cpu, requestsPerSecond: run.perSecond, p99: run.p99, emailsSeconds: (Math.max(...times) - started) / 1000, load: load() };
      log(`${contender.label}, ${round === 'warm-up' ? round : `round ${round}`}: ${result.requestsPerSecond.toFixed(1)} creations/s, every email after ${result.emailsSeconds.toFixed(1)} s (load ${result.load})`);
      return result;
    }
    if (Date.now() - started > EMAIL_TIMEOUT_MS) throw new Error(`${contender.label}: not every activation email after ${EMAIL_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

async function measureStarts(starter: RawStarter, round: number | 'warm-up', count = STARTS) {
  const run = await runConcurrently(count, CONCURRENCY, (i) => starter.start(`${round}-${i}`));
  const result = { perSecond: run.perSecond, p99: run.p99, load: load() };
  log(`${starter.label}, ${round === 'warm-up' ? round : `round ${round}`}: ${result.perSecond.toFixed(1)} bare starts/s (load ${result.load})`);
  return result;
}

/** Which process is whose, for the CPU accounting: filled as they start. */
const knownPids = new Map<number, string>([[process.pid, 'bench process (HTTP clients, mail sinks)']]);
let benchRoot = '';
const labeller: Labeller = (pid, commandLine) => {
  const known = knownPids.get(pid);
  if (known) return known;
  const dataDir = /\/bin\/postgres -D (\S+)/.exec(commandLine)?.[1];
  if (dataDir?.startsWith(path.join(benchRoot, 'cluster') + path.sep)) return 'cluster: PostgreSQL';
  if (dataDir?.startsWith(benchRoot + path.sep)) return 'dev: PostgreSQL';
  if (/temporal server start-dev/.test(commandLine) && commandLine.includes(benchRoot)) return 'dev: Temporal dev server';
  if (commandLine.includes('temporal-ui-server')) return 'cluster: Temporal UI';
  return undefined;
};

runBench('throughput', async (bench) => {
  benchRoot = bench.root;
  // Both topologies' workers and APIs run as the bench's own (same NODE_ENV, secrets and log level).
  const appEnv = Object.fromEntries(['NODE_ENV', 'OPERATOR_TOKEN', 'TOKEN_SECRET', 'LOG_LEVEL'].flatMap((key) => (bench.env[key] ? [[key, bench.env[key]]] : [])));
  const closeLater = <T extends { stop(): Promise<void> }>(part: T) => (bench.closers.push(() => part.stop()), part);

  log('starting the dev-server topology (1 API, 1 worker), the cluster (2 APIs, 2 workers)' + (WITH_KEYCLOAK ? ' and Keycloak' : '') + ' …');
  const devApiPort = await findFreePort();
  const settled = await Promise.allSettled([
    (async () => {
      const demo = (await seedDemo(bench.database.db))!;
      const [worker, api] = await Promise.all([startWorkerProcess(bench), startApiProcess(bench, devApiPort)]);
      knownPids.set(worker.pid!, 'dev: worker').set(api.pid!, 'dev: API');
      const url = `http://localhost:${devApiPort}`;
      return projectContender('dev server (SQLite), 1 API', 'dev:', [url], await login(url, demo.loginId, demo.password), demo.establishmentId, bench.stack.mailSinkUrl);
    })(),
    (async () => {
      const cluster: Cluster = closeLater(await startCluster({ dataDir: path.join(bench.root, 'cluster'), appEnv }));
      for (const [name, part] of Object.entries(cluster.temporal)) knownPids.set(part.pid!, `cluster: Temporal ${name}`);
      for (const part of [...cluster.workers, ...cluster.apiProcesses]) knownPids.set(part.pid!, part.name.startsWith('worker') ? 'cluster: workers (2)' : 'cluster: APIs (2)');
      const demo = cluster.demo.seeded!;
      const token = await login(cluster.apis[0]!, demo.loginId, demo.password);
      const connection = await Connection.connect({ address: cluster.frontend });
      bench.closers.push(() => connection.close());
      const client = new Client({ connection, namespace: cluster.namespace });
      return {
        contender: projectContender('cluster (PostgreSQL), 2 APIs', 'cluster:', cluster.apis, token, demo.establishmentId, cluster.mailbox),
        starter: rawStarter('cluster (PostgreSQL)', client),
        floor: await startFloor(bench, 'cluster (PostgreSQL)', /^cluster: (Temporal (frontend|history|matching|worker)|PostgreSQL)$/, client, cluster.frontend),
      };
    })(),
    (async () => {
      if (!WITH_KEYCLOAK) return undefined;
      const sink = closeLater(await startSmtpSink());
      const dir = path.join(bench.root, 'keycloak');
      await mkdir(dir, { recursive: true });
      const keycloak = closeLater(await startKeycloak({ dir, smtpPort: sink.port, log }));
      knownPids.set(keycloak.pid, 'Keycloak');
      return {
        label: `Keycloak ${KEYCLOAK_VERSION} (H2)`,
        cpuPrefix: 'Keycloak',
        create: (email: string, i: number) => keycloak.createUserWithEmail(email, i),
        emailTimes: async (addresses: string[]) => {
          const times = addresses.map((address) => sink.received.get(address)?.[0]);
          return times.every((t) => t !== undefined) ? (times as number[]) : null;
        },
      } satisfies Contender;
    })(),
  ]);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const [dev, cluster, keycloak] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    Contender,
    { contender: Contender; starter: RawStarter; floor: Floor },
    Contender | undefined,
  ];
  const contenders = [cluster.contender, dev, ...(keycloak ? [keycloak] : [])];
  const starters = [cluster.starter, rawStarter('dev server (SQLite)', bench.temporal)];
  const floors = [cluster.floor, await startFloor(bench, 'dev server (SQLite)', /^dev: Temporal dev server$/, bench.temporal, bench.config.temporal.address)];
  log(`everything started (load ${load()}); ${ROUNDS} rounds of ${ACCOUNTS} creations and ${STARTS} bare starts each, concurrency ${CONCURRENCY}`);

  log(`warm-up: ${WARM_UP} creations and starts each`);
  for (const contender of contenders) await measureCreation(contender, 'warm-up', WARM_UP);
  for (const starter of starters) await measureStarts(starter, 'warm-up', WARM_UP);
  for (const floor of floors) await measureFloor(floor, 'warm-up', WARM_UP);

  const creations = new Map<string, CreationRun[]>(contenders.map((c) => [c.label, []]));
  const starts = new Map<string, { perSecond: number; p99: number; load: string }[]>(starters.map((s) => [s.label, []]));
  const floorRuns = new Map<string, FloorRun[]>(floors.map((f) => [f.label, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const turn = <T>(list: T[]) => [...list.slice(round % list.length), ...list.slice(0, round % list.length)];
    for (const contender of turn(contenders)) creations.get(contender.label)!.push(await measureCreation(contender, round));
    for (const starter of turn(starters)) starts.get(starter.label)!.push(await measureStarts(starter, round));
    for (const floor of turn(floors)) floorRuns.get(floor.label)!.push(await measureFloor(floor, round));
  }

  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const loads = (runs: { load: string }[]) => runs.map((r) => r.load).join(', ');
  const lines = [
    '',
    `Throughput at concurrency ${CONCURRENCY}, ${ROUNDS} rounds (mean of the rounds; 1-minute load average at the end of each round):`,
    '',
    '| contender | creations answered / s | p99 of a creation | every activation email in the sink after | creations with their email / s | load |',
    '|---|---|---|---|---|---|',
    ...contenders.map((c) => {
      const runs = creations.get(c.label)!;
      const emailsSeconds = mean(runs.map((r) => r.emailsSeconds));
      return `| ${c.label} | ${mean(runs.map((r) => r.requestsPerSecond)).toFixed(1)} | ${(Math.max(...runs.map((r) => r.p99)) / 1000).toFixed(2)} s | ${emailsSeconds.toFixed(1)} s (${ACCOUNTS} emails) | ${(ACCOUNTS / emailsSeconds).toFixed(1)} | ${loads(runs)} |`;
    }),
    '',
    '| Temporal server (raw limit) | bare workflow starts / s | p99 of a start | load |',
    '|---|---|---|---|',
    ...starters.map((s) => {
      const runs = starts.get(s.label)!;
      return `| ${s.label} | ${mean(runs.map((r) => r.perSecond)).toFixed(1)} | ${(Math.max(...runs.map((r) => r.p99))).toFixed(0)} ms | ${loads(runs)} |`;
    }),
    '',
  ];
  const benchLabel = knownPids.get(process.pid)!;
  /** A floor's CPU per workflow (ms), by part. */
  const floorCpu = (f: Floor) => {
    const runs = floorRuns.get(f.label)!;
    const perWorkflow = (name: string) => (1000 * runs.reduce((sum, r) => sum + (r.cpu.get(name) ?? 0), 0)) / (runs.length * ACCOUNTS);
    const serverParts = [...new Set(runs.flatMap((r) => [...r.cpu.keys()]))]
      .filter((name) => f.serverLabel.test(name))
      .sort()
      .map((name) => [name, perWorkflow(name)] as const);
    const server = serverParts.reduce((sum, [, ms]) => sum + ms, 0);
    const [worker, client] = [perWorkflow(f.workerLabel), perWorkflow(benchLabel)];
    return { serverParts, server, worker, client, all: server + worker + client };
  };
  lines.push(
    '| Temporal server (floor: a start and one workflow task with a no-op local activity and a timer, nothing of ours) | workflows / s | CPU per workflow (ms): the server\'s processes | SDK worker | client (bench process) | in all | load |',
    '|---|---|---|---|---|---|---|',
    ...floors.map((f) => {
      const runs = floorRuns.get(f.label)!;
      const cpu = floorCpu(f);
      const parts = cpu.serverParts.map(([name, ms]) => `${name.replace(/^\w+: (Temporal )?/, '')} ${ms.toFixed(1)}`).join(', ');
      return `| ${f.label} | ${mean(runs.map((r) => r.perSecond)).toFixed(1)} | ${cpu.server.toFixed(1)} (${parts}) | ${cpu.worker.toFixed(1)} | ${cpu.client.toFixed(1)} | **${cpu.all.toFixed(1)}** | ${loads(runs)} |`;
    }),
    '',
  );
  lines.push(
    'CPU time per creation with its email (ms; from the first request to the last email; "others" = the rest of the machine, other agents included):',
    '',
    ...contenders.map((c) => {
      const runs = creations.get(c.label)!;
      const perCreation = (name: string) => (1000 * runs.reduce((sum, r) => sum + (r.cpu.get(name) ?? 0), 0)) / (runs.length * ACCOUNTS);
      const names = [...new Set(runs.flatMap((r) => [...r.cpu.keys()]))].filter((name) => name.startsWith(c.cpuPrefix)).sort();
      const own = names.reduce((sum, name) => sum + perCreation(name), 0);
      const bench = perCreation(benchLabel);
      const others = perCreation('machine') - [...new Set(runs.flatMap((r) => [...r.cpu.keys()]))].filter((name) => name !== 'machine').reduce((sum, name) => sum + perCreation(name), 0);
      return `- ${c.label}: ${own.toFixed(0)} ms in its processes (${names.map((name) => `${name.slice(c.cpuPrefix.length).trim() || name} ${perCreation(name).toFixed(0)}`).join(', ')}); bench process ${bench.toFixed(0)}; others ${others.toFixed(0)}`;
    }),
    '',
    `While idle (during the other contenders' measurements): ${contenders
      .map((c) => {
        const others = contenders.filter((o) => o !== c).flatMap((o) => creations.get(o.label)!);
        const seconds = others.reduce((sum, r) => sum + r.emailsSeconds, 0);
        const cpu = others.reduce((sum, r) => sum + [...r.cpu].filter(([name]) => name.startsWith(c.cpuPrefix)).reduce((a, [, v]) => a + v, 0), 0);
        return `${c.label} ${((100 * cpu) / seconds).toFixed(0)} % of a core`;
      })
      .join(', ')}.`,
    '',
  );
  const rate = (label: string) => mean(starts.get(label)!.map((r) => r.perSecond));
  lines.push(`The cluster moves the dev server's start ceiling by ${(rate(starters[0]!.label) / rate(starters[1]!.label)).toFixed(2)} ×.`);
  if (keycloak) {
    const withEmail = (c: Contender) => ACCOUNTS / mean(creations.get(c.label)!.map((r) => r.emailsSeconds));
    lines.push(`Creations with their email: cluster / Keycloak = ${(withEmail(cluster.contender) / withEmail(keycloak)).toFixed(2)} ×, dev server / Keycloak = ${(withEmail(dev) / withEmail(keycloak)).toFixed(2)} ×.`);
    const runs = creations.get(keycloak.label)!;
    const keycloakMs = (1000 * runs.reduce((sum, r) => sum + [...r.cpu].filter(([name]) => name.startsWith(keycloak.cpuPrefix)).reduce((a, [, v]) => a + v, 0), 0)) / (runs.length * ACCOUNTS);
    lines.push(
      `The floor (a workflow with nothing of ours) takes ${floorCpu(cluster.floor).all.toFixed(1)} ms of CPU on the cluster and ${floorCpu(floors[1]!).all.toFixed(1)} ms on the dev server; Keycloak's whole creation with its email ${keycloakMs.toFixed(1)} ms.`,
    );
  }
  console.log(lines.join('\n'));
});
