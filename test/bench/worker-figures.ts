/**
 * The worker's figures (issue 13), shared by `npm run bench` and `npm run bench:worker`:
 * - the drain: a burst of account creations is started with no worker polling (each account's
 *   activation, started exactly as the API's creation starts it; it starts the validity), then the
 *   worker (its own process, launched as production launches it) sends every activation email;
 *   beside it, the raw limit: the same number of rendered emails posted straight to the sink by the
 *   mailer, as many at a time as the worker runs activities, measured in the same run;
 * - the worker's resident memory (VmRSS of the node process itself: no launcher in between), idle,
 *   at its peak during the drain, and once `openWorkflows` more accounts' validity workflows are open
 *   and have run their first task (production: one per account).
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { temporal } from '@temporalio/proto';
import { startActivation } from '../../accounts/lifecycles';
import { createMailer } from '../../activities/mailer';
import { passwordCreationEmail } from '../../activities/emails/templates';
import { passwordLinkUrl } from '../../activities/password-links';
import { auditEvents } from '../../db/schema';
import { workflowIds } from '../../workflows/definitions';
import { ensureValidity } from '../../workflows/validity-client';
import { addMonths, parisDay } from '../../domain/dates';
import { insertEstablishment } from '../support/fixtures';
import { type BenchStack, benchLogger, benchWorkerFlags, cpuByPart, devServerDatabaseSize, inBatches, mb, type Part, rssOf, startWorkerProcess, until } from './bench-stack';

const log = benchLogger('worker');

/** Workflow starts in flight while the burst is started (the dev server takes one writer at a time). */
const START_CONCURRENCY = 32;
/** Emails in flight for the raw limit: as many as the worker's activity slots. */
const RAW_CONCURRENCY = 100;
/** The worker without worker/main.ts's start-up jobs (its reconcile would start the seeded accounts' workflows). */
const WORKER_SCRIPT = 'test/bench/worker-process.ts';

interface SeededAccount {
  id: string;
  loginId: string;
  expiresOn: string;
}

/**
 * `count` accounts of one new establishment, created by its admin (as through the API), in one
 * statement: `status` 'pending_activation' for the drain, 'active' for the open validity workflows.
 */
async function seedAccounts(bench: BenchStack, count: number, status: 'pending_activation' | 'active') {
  const { db } = bench.database;
  const establishment = await insertEstablishment(db, { name: `CENTRE HOSPITALIER DU BANC ${randomUUID().slice(0, 8).toUpperCase()}` });
  const expiresOn = addMonths(parisDay(new Date()), 18);
  const [admin] = (await db.execute(sql`
    insert into accounts (establishment_id, login_id, profile, civility, last_name, first_name, email, phone, status, expires_on,
                          admin_since, professional_address, search_text)
    values (${establishment.id}, 'BAD' || lpad(nextval('login_id_seq')::text, 6, '0'), 'admin', 'madame', 'Administratrice',
            'Béatrice', ${`admin.${randomUUID()}@ch-banc.fr`}, '0240123456', 'active', ${expiresOn}, now(),
            array['Direction des ressources humaines', '1 avenue de l''Hôpital', '44000 NANTES'], 'administratrice beatrice')
    returning id`)) as unknown as [{ id: string }];
  const rows = (await db.execute(sql`
    insert into accounts (establishment_id, login_id, profile, civility, last_name, first_name, email, status, expires_on,
                          search_text, created_by_account_id)
    select ${establishment.id}, 'JLE' || lpad(nextval('login_id_seq')::text, 6, '0'), 'user', 'madame', 'Lefèvre', 'Jeanne',
           'jeanne.lefevre.' || i || '.' || ${randomUUID()} || '@ch-banc.fr', ${status}, ${expiresOn}, 'lefevre jeanne', ${admin!.id}
    from generate_series(1, ${count}) as i
    returning id, login_id as "loginId", expires_on as "expiresOn"`)) as unknown as SeededAccount[];
  return { siret: establishment.siret, accounts: rows };
}

const rate = (n: number, ms: number) => (n / ms) * 1000;


function cpuPerEmail(before: Record<Part, number>, after: Record<Part, number>, emails: number) {
  return Object.fromEntries((Object.keys(after) as Part[]).map((part) => [part, (after[part] - before[part]) / emails])) as Record<Part, number>;
}

async function emailsSent(bench: BenchStack, since: Date): Promise<number> {
  const [row] = (await bench.database.db.execute(
    sql`select count(*)::int as n from ${auditEvents} where ${auditEvents.action} = 'email.password_creation_sent' and ${auditEvents.at} >= ${since.toISOString()}`,
  )) as unknown as [{ n: number }];
  return row!.n;
}

/** Samples the process's VmRSS every 250 ms until stopped; the peak. */
function rssSampler(pid: number) {
  let peak = 0;
  const timer = setInterval(() => void rssOf(pid).then((bytes) => (peak = Math.max(peak, bytes))), 250);
  return {
    stop: async () => {
      clearInterval(timer);
      peak = Math.max(peak, await rssOf(pid));
      return peak;
    },
  };
}

export interface WorkerFigures {
  emails: number;
  drainSeconds: number;
  drainPerSecond: number;
  rawPerSecond: number;
  rawConcurrency: number;
  rssIdle: number;
  rssDrainPeak: number;
  rssAfterDrain: number;
  openWorkflows: number;
  rssOpen?: number;
  rssOpenPeak?: number;
  openSeconds?: number;
  /** The dev server's store (SQLite + WAL) once they are open. */
  devDbBytes?: number;
  /** Tasks still queued when the wait for the first tasks ran out (0: every open workflow had its first task). */
  openBacklogLeft?: number;
  /** CPU milliseconds per email during the drain (from the worker polling to the last email), by process. */
  cpu: Record<Part, number>;
  /** The same until the task queue is empty: every validity run's first task done too (each creation's whole work). */
  cpuCreation: Record<Part, number>;
}

/**
 * Runs the drain of `emails` activation emails, then (if `openWorkflows` > 0) opens that many more
 * validity workflows while the same worker runs, and samples its memory.
 */
export async function measureWorker(
  benchStack: BenchStack,
  opts: { emails: number; openWorkflows: number; openWaitMinutes?: number },
): Promise<WorkerFigures> {
  // A task queue of its own: whatever the calling bench left queued is not drained here.
  const taskQueue = `bench-worker-${randomUUID()}`;
  const bench = {
    ...benchStack,
    env: { ...benchStack.env, TEMPORAL_TASK_QUEUE: taskQueue },
    config: { ...benchStack.config, temporal: { ...benchStack.config.temporal, taskQueue } },
  };
  const lifecycle = { temporal: bench.temporal, config: bench.config };

  log(`seeding ${opts.emails} accounts waiting for their activation email`);
  const pending = await seedAccounts(bench, opts.emails, 'pending_activation');

  // Idle: the worker polling an empty queue (same process as the drain's, started first).
  const worker = await startWorkerProcess(bench, WORKER_SCRIPT);
  await new Promise((r) => setTimeout(r, 3000));
  const rssIdle = await rssOf(worker.pid!);
  log(`worker idle: ${mb(rssIdle)}; stopping it for the burst`);
  worker.kill('SIGINT');
  await new Promise((r) => worker.once('exit', r));

  log(`burst: starting ${opts.emails} creations' workflows (the activation, which starts the validity), no worker polling`);
  const burstStarted = performance.now();
  await inBatches(pending.accounts, START_CONCURRENCY, (account) =>
    startActivation(lifecycle, account, pending.siret),
  );
  log(`burst started in ${((performance.now() - burstStarted) / 1000).toFixed(1)} s`);

  // Raw limit, just before the drain: the same emails, rendered beforehand, straight to the sink.
  const mailer = createMailer(bench.config.mail);
  const rendered = pending.accounts.map((account, i) => ({
    to: `brut.${i}@ch-banc.fr`,
    ...passwordCreationEmail({
      holder: { civility: 'madame', lastName: 'Lefèvre', profile: 'user' },
      createdAt: new Date(),
      creator: { civility: 'madame', lastName: 'Administratrice', phone: '0240123456' },
      establishmentName: 'CENTRE HOSPITALIER DU BANC',
      legalRepAddress: [],
      link: passwordLinkUrl(bench.config.api.publicBaseUrl, `${account.id}${account.id}`),
      siteUrl: bench.config.api.publicBaseUrl,
    }),
    idempotencyKey: `raw/${account.id}`,
  }));
  const rawStarted = performance.now();
  await inBatches(rendered, RAW_CONCURRENCY, (email) => mailer.send(email));
  const rawPerSecond = rate(rendered.length, performance.now() - rawStarted);
  log(`raw: ${rawPerSecond.toFixed(1)} emails/s to the sink`);

  log('drain');
  const since = new Date();
  // BENCH_WORKER_CPU_PROF=<folder>: the drain worker writes a V8 CPU profile there when it stops.
  const profile = process.env.BENCH_WORKER_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_CPU_PROF}`] : [];
  const drainWorker = await startWorkerProcess(bench, WORKER_SCRIPT, [...profile, ...benchWorkerFlags()]);
  const drainStarted = performance.now();
  const cpuBefore = await cpuByPart(bench, drainWorker.pid!);
  const drainRss = rssSampler(drainWorker.pid!);
  const drainMs = await until('the drain', async () => (await emailsSent(bench, since)) >= opts.emails, drainStarted, 30 * 60_000);
  const rssDrainPeak = await drainRss.stop();
  const cpu = cpuPerEmail(cpuBefore, await cpuByPart(bench, drainWorker.pid!), opts.emails);
  const drainPerSecond = rate(opts.emails, drainMs);
  log(`drain: ${opts.emails} emails in ${(drainMs / 1000).toFixed(1)} s (${drainPerSecond.toFixed(1)}/s), peak ${mb(rssDrainPeak)}`);
  // A validity run whose start was not eager queues its first task behind the burst's: it may run after
  // the last email. Until the queue is empty (twice in a row, a second apart), each creation's whole work is done.
  let emptyPolls = 0;
  const settledMs = await until('every validity\'s first task', async () => {
    emptyPolls = (await backlog(bench)) === 0 ? emptyPolls + 1 : 0;
    if (emptyPolls < 2) await new Promise((r) => setTimeout(r, 750));
    return emptyPolls >= 2;
  }, drainStarted, 10 * 60_000);
  const cpuCreation = cpuPerEmail(cpuBefore, await cpuByPart(bench, drainWorker.pid!), opts.emails);
  log(`queue empty ${(settledMs / 1000).toFixed(1)} s after the drain began`);
  const sample = pending.accounts.filter((_, i) => i % Math.max(1, Math.floor(opts.emails / 50)) === 0);
  const spent = await whereTheTimeWent(bench, sample);
  log(`where a drained activation's time went (mean of ${spent.sampled}): ${spent.text}`);
  // Until every validity workflow has had its first task too, then let the heap settle.
  await new Promise((r) => setTimeout(r, 3000));
  const histories = await historyFigures(bench, sample);
  log(
    `per creation (activation + validity, mean of ${sample.length}): ${histories.upserts.toFixed(1)} search-attribute upserts and markers, ` +
      `${histories.events.toFixed(1)} history events; validity runs started eagerly (first task in the start's answer): ${(histories.eager * 100).toFixed(0)} %`,
  );
  const rssAfterDrain = await rssOf(drainWorker.pid!);

  const figures: WorkerFigures = {
    emails: opts.emails,
    drainSeconds: drainMs / 1000,
    drainPerSecond,
    rawPerSecond,
    rawConcurrency: RAW_CONCURRENCY,
    rssIdle,
    rssDrainPeak,
    rssAfterDrain,
    openWorkflows: opts.emails,
    cpu,
    cpuCreation,
  };
  if (opts.openWorkflows > 0) {
    log(`seeding ${opts.openWorkflows} active accounts and starting their validity workflows`);
    const active = await seedAccounts(bench, opts.openWorkflows, 'active');
    const openRss = rssSampler(drainWorker.pid!);
    const openStarted = performance.now();
    let started = 0;
    await inBatches(active.accounts, START_CONCURRENCY, async (account) => {
      await ensureValidity({ client: bench.temporal, taskQueue: bench.config.temporal.taskQueue }, account, active.siret);
      if (++started % 2000 === 0) log(`${started} validity workflows started (${mb(await rssOf(drainWorker.pid!))})`);
    });
    // Each sets its timer in its first task (as the reconcile starts them for existing accounts):
    // open workflows are counted once the queue's backlog is empty twice in a row.
    // The wait is counted from the last start: starting 100,000 takes the best part of an hour here.
    // When it runs out the figures are kept, with what was still queued: the memory is the point.
    let emptyPolls = 0;
    let left = 0;
    await until('the validity workflows\' first tasks', async () => {
      left = await backlog(bench);
      emptyPolls = left === 0 ? emptyPolls + 1 : 0;
      return emptyPolls >= 2;
    }, performance.now(), (opts.openWaitMinutes ?? 30) * 60_000).catch((error: Error) => log(`${error.message}: ${left} tasks still queued`));
    figures.openBacklogLeft = left;
    figures.openSeconds = (performance.now() - openStarted) / 1000;
    await new Promise((r) => setTimeout(r, 3000));
    figures.rssOpenPeak = await openRss.stop();
    figures.rssOpen = await rssOf(drainWorker.pid!);
    figures.devDbBytes = await devServerDatabaseSize(bench);
    figures.openWorkflows += opts.openWorkflows;
  }
  return figures;
}

/**
 * From sampled activation histories: how long their workflow and activity tasks waited on the server
 * (scheduled → started) and how long the worker held them (started → completed), on average.
 */
async function whereTheTimeWent(bench: BenchStack, sample: SeededAccount[]) {
  const sums = { workflowWait: 0, workflowRun: 0, workflowTasks: 0, stickyTasks: 0, activityWait: 0, activityRun: 0, activityTasks: 0 };
  for (const account of sample) {
    const history = await bench.temporal.workflow.getHandle(workflowIds.activation(account.loginId)).fetchHistory();
    const at = new Map<string, number>();
    for (const event of history.events ?? []) {
      const time = Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
      const id = Number(event.eventId);
      if (event.workflowTaskScheduledEventAttributes || event.activityTaskScheduledEventAttributes) at.set(`s${id}`, time);
      // A task sent to the worker's sticky queue found the run in its cache; one on the shared queue
      // (after the first) means the run had been evicted and was replayed from its history.
      if (event.workflowTaskScheduledEventAttributes?.taskQueue?.kind === temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_STICKY) sums.stickyTasks++;
      // The same bookkeeping for both kinds of task: waiting = scheduled → started, running = started → completed.
      const kinds = [
        { kind: 'workflow', started: event.workflowTaskStartedEventAttributes, done: event.workflowTaskCompletedEventAttributes },
        { kind: 'activity', started: event.activityTaskStartedEventAttributes, done: event.activityTaskCompletedEventAttributes },
      ] as const;
      for (const { kind, started, done } of kinds) {
        if (started) {
          sums[`${kind}Wait`] += time - at.get(`s${Number(started.scheduledEventId)}`)!;
          at.set(`t${id}`, time);
        }
        if (done) {
          sums[`${kind}Run`] += time - at.get(`t${Number(done.startedEventId)}`)!;
          sums[`${kind}Tasks`]++;
        }
      }
    }
  }
  const n = sample.length;
  const mean = (total: number, count: number) => (count ? `${(total / count).toFixed(0)} ms` : '-');
  return {
    sampled: n,
    text:
      `${(sums.workflowTasks / n).toFixed(1)} workflow tasks (${(sums.stickyTasks / n).toFixed(1)} of them on the sticky queue, i.e. found in the worker's cache; ` +
      `waiting ${mean(sums.workflowWait, sums.workflowTasks)}, in the worker ${mean(sums.workflowRun, sums.workflowTasks)}), ` +
      `${(sums.activityTasks / n).toFixed(1)} activity tasks (waiting ${mean(sums.activityWait, sums.activityTasks)}, in the worker ${mean(sums.activityRun, sums.activityTasks)})`,
  };
}

/**
 * What a creation costs the server beyond its two starts, from the sampled histories once each validity
 * has had its first task: every search-attribute upsert and every marker (a `patched()` marker comes
 * with its TemporalChangeVersion upsert) and every event, in the activation and the validity it
 * started; and the share of validity runs started eagerly (their first task handed back in the start's
 * answer, so scheduled and started in the same transaction, not dispatched through the task queue).
 */
async function historyFigures(bench: BenchStack, sample: SeededAccount[]) {
  const sums = { upserts: 0, events: 0, eager: 0 };
  const millis = (e: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
  for (const account of sample) {
    const activation = await bench.temporal.workflow.getHandle(workflowIds.activation(account.loginId)).fetchHistory();
    const validityHandle = bench.temporal.workflow.getHandle(workflowIds.validity(account.loginId));
    let validity: Awaited<ReturnType<typeof validityHandle.fetchHistory>> | undefined;
    await until('a validity workflow\'s first task', async () => {
      validity = await validityHandle.fetchHistory().catch(() => undefined);
      return validity?.events?.some((e) => e.workflowTaskCompletedEventAttributes) ?? false;
    }, performance.now(), 5 * 60_000);
    const events = [...(activation.events ?? []), ...(validity?.events ?? [])];
    sums.events += events.length;
    sums.upserts += events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes || e.markerRecordedEventAttributes).length;
    const scheduled = validity?.events?.find((e) => e.workflowTaskScheduledEventAttributes);
    const started = validity?.events?.find((e) => e.workflowTaskStartedEventAttributes);
    if (scheduled && started && millis(started) - millis(scheduled) < 1) sums.eager++; // the same transaction: microseconds apart
  }
  return { upserts: sums.upserts / sample.length, events: sums.events / sample.length, eager: sums.eager / sample.length };
}

/** Tasks waiting on the bench's task queue (workflow and activity), as the server reports its backlog. */
async function backlog(bench: BenchStack): Promise<number> {
  const service = bench.temporal.connection.workflowService;
  let total = 0;
  for (const taskQueueType of [1, 2]) {
    const answer = await service.describeTaskQueue({
      namespace: bench.config.temporal.namespace,
      taskQueue: { name: bench.config.temporal.taskQueue, kind: 1 },
      taskQueueType,
      reportStats: true,
    } as never);
    total += Number((answer as { stats?: { approximateBacklogCount?: unknown } }).stats?.approximateBacklogCount ?? 0);
  }
  return total;
}

/** The figures as lines of text (the benches print them beside their own). */
export function workerFigureLines(f: WorkerFigures): string[] {
  const lines = [
    `drain of ${f.emails} activation emails after a burst of creations: ${f.drainPerSecond.toFixed(1)} emails/s (${f.drainSeconds.toFixed(1)} s) — ` +
      `raw limit, the same emails straight to the sink, ${f.rawConcurrency} at a time: ${f.rawPerSecond.toFixed(1)}/s ` +
      `(${(f.drainPerSecond / f.rawPerSecond).toFixed(2)} ×); goal ≥ 50/s: ${f.drainPerSecond >= 50 ? 'met' : 'NOT met'}`,
    `worker RSS (the node process itself, no launcher): idle ${mb(f.rssIdle)}, drain peak ${mb(f.rssDrainPeak)}, after the drain ${mb(f.rssAfterDrain)} ` +
      `(${f.emails} open activations and their validity workflows)`,
    `CPU per drained email (its activation and validity): ${Object.entries(f.cpu).map(([part, ms]) => `${part} ${ms.toFixed(1)} ms`).join(', ')}; ` +
      `in all ${Object.values(f.cpu).reduce((a, b) => a + b, 0).toFixed(1)} ms, i.e. at most ${(2000 / Object.values(f.cpu).reduce((a, b) => a + b, 0)).toFixed(0)} emails/s on 2 free cores`,
    `CPU per creation until the queue is empty (every validity's first task done): ${Object.entries(f.cpuCreation).map(([part, ms]) => `${part} ${ms.toFixed(1)} ms`).join(', ')}; ` +
      `in all ${Object.values(f.cpuCreation).reduce((a, b) => a + b, 0).toFixed(1)} ms`,
  ];
  if (f.rssOpen !== undefined) {
    lines.push(
      `worker RSS with ${f.openWorkflows} open workflows: ${mb(f.rssOpen)} (peak ${mb(f.rssOpenPeak!)} while they were started, in ${f.openSeconds!.toFixed(0)} s` +
        `${f.openBacklogLeft ? `; ${f.openBacklogLeft} first tasks still queued when the wait ran out` : ', every first task done'}); ` +
        `goal ≤ 400 MB: ${Math.max(f.rssOpenPeak!, f.rssDrainPeak) <= 400 * 2 ** 20 ? 'met' : 'NOT met'}; ` +
        `Temporal dev server database (SQLite + WAL): ${mb(f.devDbBytes!)}`,
    );
  }
  return lines;
}

export function printWorkerFigures(f: WorkerFigures) {
  for (const line of workerFigureLines(f)) console.log(line);
}
