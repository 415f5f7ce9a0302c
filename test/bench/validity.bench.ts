/**
 * Benchmark of the validity lifecycle at scale: `npm run bench:validity` (under `flock /work/wt/bench.lock`
 * on the shared machine). A script that prints figures, not a test.
 *
 * Its own PostgreSQL, Temporal dev server and mail sink (test/support/local-stack.ts) and the real worker
 * as its own process (`worker/main.ts`, as in production), whose resident memory (VmRSS) is sampled.
 *
 * 1. One establishment with BENCH_RENEW_ACCOUNTS accounts (default 10,000) seeded in SQL; the worker's
 *    start-up reconcile gives each its validity workflow: the worker's RSS with that many open validity
 *    workflows, and the time the reconcile took.
 * 2. Bulk renewal of all of them through the API (`POST …/bulk-renew {"all": true}`): the request's time,
 *    the time until every validity workflow has been signalled (the signals workflow's result), and until
 *    every one shows the new ExpiresAt (visibility count of the running runs' search attribute: a workflow
 *    follows a renewal in its run). Raw limits in the same run, on up to 1,000 of the same workflows: the
 *    same set-based UPDATE alone (rolled back); bare signals, 50 at a time (signals that change nothing);
 *    and signals that move the expiry, 50 at a time, until each workflow shows it (its workflow task included).
 * 3. The reminder run for BENCH_REMINDER_ACCOUNTS accounts (default 100,000) across BENCH_REMINDER_ESTABLISHMENTS
 *    establishments (default 1,000), one active admin each, seeded in SQL (no validity workflows for them):
 *    `POST /operator/validity/reminders` until the run's result. Raw limit: as many emails sent straight
 *    to the sink through the mailer, 10 at a time (the run's parallelism).
 * 4. The dev server's database size (SQLite file and its WAL) at the end, and the load average.
 *
 * The worker's peak RSS is given per phase; the CPU time of each process (worker, dev server, PostgreSQL,
 * this process) per signal during the renewal and its raw limits: on the shared machine, the CPU a renewed
 * workflow costs is the figure that does not move with the load. BENCH_WORKER_FLAGS adds node flags to the
 * worker's (e.g. `--max-semi-space-size=16` to compare with V8's default young generation).
 *
 *   BENCH_RENEW_ACCOUNTS=2000 BENCH_REMINDER_ACCOUNTS=20000 BENCH_REMINDER_ESTABLISHMENTS=200 npm run bench:validity
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { sql } from 'drizzle-orm';
import { temporal as proto } from '@temporalio/proto';
import { forEachInFlight } from '../../activities/in-flight';
import { createMailer } from '../../activities/mailer';
import { createApp } from '../../api/app';
import { systemClock } from '../../api/deps';
import { addDays, expiryFrom, expiryInstant, monthBounds, monthOf, nextMonth, parisDay } from '../../domain/dates';
import { hashPassword } from '../../security/passwords';
import { expiryChangedSignal, workflowIds } from '../../workflows/definitions';
import { renewThroughApi, setBasedUpdateAlone } from './bulk-renewal';
import { type BenchStack, benchLogger, benchWorkerFlags, devServerDatabaseSize, inBatches, intFromEnv, mb, rssOf, runBench, startWorkerProcess, until } from './bench-stack';
import { cpuBetween, cpuSnapshot, type Labeller, machineCpuSeconds } from './cpu-shares';

const RENEW_N = intFromEnv('BENCH_RENEW_ACCOUNTS', 10_000);
const REMINDER_N = intFromEnv('BENCH_REMINDER_ACCOUNTS', 100_000);
const REMINDER_EST = intFromEnv('BENCH_REMINDER_ESTABLISHMENTS', 1_000);
const RAW_SIGNALS = Math.min(RENEW_N, 1000);
/** Extra node flags for the worker process (e.g. `--max-semi-space-size=4`), to compare settings. */
const WORKER_FLAGS = benchWorkerFlags();
const TIMEOUT_MS = intFromEnv('BENCH_TIMEOUT_SECONDS', 3600) * 1000;
const log = benchLogger('validity');

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rate = (count: number, ms: number) => `${((count / ms) * 1000).toFixed(0)}/s`;
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' / ');

runBench('validity', async (bench) => {
  const { config, database, temporal } = bench;
  const db = database.db;
  const app = createApp({ db, temporal, config, clock: systemClock });
  const today = parisDay(new Date());

  // ---- 1. The renewal establishment, its validity workflows started by the worker's reconcile
  log(`seeding one establishment with ${RENEW_N} accounts (an admin and users, ~10 % expired)`);
  const [renewEst] = (await db.execute(sql`
    insert into establishments (siret, name, legal_rep_civility, legal_rep_last_name, legal_rep_first_name, legal_rep_title, legal_rep_address)
    values ('99999999900000', 'CENTRE HOSPITALIER DE BANC-D''ESSAI', 'madame', 'Hénaff', 'Sylvie', 'Directrice', array['CH', '1 avenue', '44000 NANTES'])
    returning id`)) as unknown as [{ id: string }];
  await db.execute(sql`
    insert into accounts (establishment_id, login_id, profile, civility, last_name, first_name, email, status, expires_on, admin_since, professional_address, search_text)
    select ${renewEst.id}, 'R' || lpad(i::text, 8, '0'), case when i = 1 then 'admin'::profile else 'user'::profile end, 'madame', 'Agent', 'Alice',
           'agent' || i || '@ch-banc-essai.test', 'active',
           case when i % 10 = 0 then ${today}::date - (i % 300) else ${today}::date + (i % 540) end,
           case when i = 1 then now() - interval '1 year' end, case when i = 1 then array['CH'] end, 'agent alice'
    from generate_series(1, ${RENEW_N}) i`);

  log('starting the worker (worker/main.ts): its start-up reconcile starts every validity workflow');
  const w0 = performance.now();
  const worker = await startWorkerProcess(bench, undefined, WORKER_FLAGS);
  const rssIdle = await rssOf(worker.pid!);
  // The worker's peak RSS per phase (the goal holds through all of them), sampled every 250 ms.
  const peaks = { reconcile: rssIdle, renewal: 0, reminders: 0 };
  let phase: keyof typeof peaks = 'reconcile';
  const sampler = setInterval(() => void rssOf(worker.pid!).then((r) => (peaks[phase] = Math.max(peaks[phase], r))), 250);
  const labeller: Labeller = (pid, commandLine) => {
    if (pid === worker.pid) return 'worker';
    if (pid === process.pid) return 'bench (API, client)';
    if (/\/bin\/postgres -D (\S+)/.exec(commandLine)?.[1]?.startsWith(bench.root)) return 'PostgreSQL';
    if (/temporal server start-dev/.test(commandLine) && commandLine.includes(bench.root)) return 'Temporal dev server';
    return undefined;
  };
  /**
   * CPU seconds per process (and the whole machine's, shared with other work) from now until the returned
   * function is called, and per item of the `count` it was for: on a shared machine the CPU a signal costs
   * says more than the wall-clock rate.
   */
  const cpuFrom = async () => {
    const [before, machineBefore] = [await cpuSnapshot(labeller), await machineCpuSeconds()];
    return async (count: number) => {
      const used = cpuBetween(before, await cpuSnapshot(labeller));
      const machine = (await machineCpuSeconds()) - machineBefore;
      const each = (seconds: number) => `${((seconds * 1000) / count).toFixed(1)} ms each`;
      return [...used].map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s (${each(seconds)})`).join(', ') + `; whole machine ${machine.toFixed(1)} s`;
    };
  };
  /** Until the worker and the dev server are idle again (< 15 % of a core over 2 s): the tasks a phase left behind are done. */
  const quiet = async () => {
    let last = await cpuSnapshot(labeller);
    for (let i = 0; i < 900; i++) {
      await new Promise((r) => setTimeout(r, 2000));
      const now = await cpuSnapshot(labeller);
      const busy = ['worker', 'Temporal dev server'].reduce((t, k) => t + (now.get(k) ?? 0) - (last.get(k) ?? 0), 0);
      last = now;
      if (busy < 0.3) return;
    }
  };
  bench.closers.push(async () => clearInterval(sampler));
  const reconciled = await temporal.workflow.getHandle(workflowIds.validityReconcile()).result();
  const open = async (query: string) => (await temporal.workflow.count(query)).count;
  const validityOpen = `WorkflowType = "validityWorkflow" AND ExecutionStatus = "Running"`;
  const reconcileMs = await until('every validity workflow open', async () => (await open(validityOpen)) >= RENEW_N, w0, TIMEOUT_MS);
  // Open is not done: each new workflow's first task may still be queued. Wait for them (memory, and the raw limits next).
  await quiet();
  const rssOpen = await rssOf(worker.pid!);
  log(`reconcile checked ${reconciled} accounts; ${RENEW_N} validity workflows open; worker RSS ${mb(rssOpen)}`);

  // ---- 2. Bulk renewal of every account through the API, and its raw limits
  phase = 'renewal';
  // (the seeded expiries all lie before the renewal's, so `ExpiresAt >= new` counts the workflows that moved)
  const newExpiry = expiryFrom(today);
  const password = 'Banc-Essai-2026';
  await db.execute(sql`update accounts set password_hash = ${await hashPassword(password)} where login_id = 'R00000001'`);
  const login = await app.request('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ loginId: 'R00000001', password }),
  });
  if (login.status !== 200) throw new Error(`login refused: ${login.status} ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };

  log('raw limit: the same set-based UPDATE alone, rolled back');
  const rawUpdateMs = await setBasedUpdateAlone(db, renewEst.id, { all: true }, newExpiry);

  log(`raw limit: ${RAW_SIGNALS} bare signals to running validity workflows, 50 in flight`);
  const some = (await db.execute(sql`select login_id, expires_on from accounts where establishment_id = ${renewEst.id} order by login_id limit ${RAW_SIGNALS}`)) as unknown as {
    login_id: string;
    expires_on: string;
  }[];
  const bareCpu = await cpuFrom();
  const g0 = performance.now();
  await forEachInFlight(some, 50, (a) => temporal.workflow.getHandle(workflowIds.validity(a.login_id)).signal(expiryChangedSignal, { expiresOn: a.expires_on }));
  const rawSignalMs = performance.now() - g0;
  // The signals are answered before their workflow tasks run: wait for those before the next measure.
  await quiet();
  const bareSettledMs = performance.now() - g0;
  const bareCpuUsed = await bareCpu(RAW_SIGNALS);

  // The bare signals above change nothing in their workflows; a renewal's signal makes its workflow follow it
  // (a workflow task with commands: timer cancelled, search attributes, new timer). The same signals, moving
  // the expiry to the eve of the renewal's, straight from a client: the floor for the renewal's fan-out.
  const eve = addDays(newExpiry, -1);
  log(`raw limit: ${RAW_SIGNALS} signals moving the expiry, 50 in flight, until each workflow shows it`);
  const rawCpu = await cpuFrom();
  const f0 = performance.now();
  await forEachInFlight(some, 50, (a) => temporal.workflow.getHandle(workflowIds.validity(a.login_id)).signal(expiryChangedSignal, { expiresOn: eve }));
  const followedQuery = `WorkflowType = "validityWorkflow" AND ExecutionStatus = "Running" AND ExpiresAt >= "${expiryInstant(eve).toISOString()}"`;
  const rawFollowedMs = await until('every raw signal followed', async () => (await open(followedQuery)) >= RAW_SIGNALS, f0, TIMEOUT_MS);
  const rawFollowedCpu = await rawCpu(RAW_SIGNALS);
  await quiet();

  log(`bulk renewal of all ${RENEW_N} accounts through the API`);
  const renewalCpu = await cpuFrom();
  const renewal = await renewThroughApi({ app, db, temporal, token, establishmentId: renewEst.id, selection: { all: true }, expected: RENEW_N, expiresOn: newExpiry, timeoutMs: TIMEOUT_MS });
  const renewalCpuUsed = await renewalCpu(RENEW_N);
  const timeouts = await workflowTaskTimeouts(temporal, some.slice(0, 100).map((a) => workflowIds.validity(a.login_id)));

  // ---- 3. The reminder run
  const month = nextMonth(monthOf(today));
  const { first } = monthBounds(month);
  const perEst = Math.ceil(REMINDER_N / REMINDER_EST);
  log(`seeding ${REMINDER_EST} establishments × ${perEst} accounts expiring in ${month}, one active admin each`);
  await db.execute(sql`
    insert into establishments (siret, name, legal_rep_civility, legal_rep_last_name, legal_rep_first_name, legal_rep_title, legal_rep_address)
    select lpad(i::text, 14, '0'), 'COMMUNE ' || i, 'madame', 'Maire', 'Anne', 'Maire', array['Mairie', '1 place', '33000 BORDEAUX']
    from generate_series(1, ${REMINDER_EST}) i`);
  await db.execute(sql`
    insert into accounts (establishment_id, login_id, profile, civility, last_name, first_name, email, status, expires_on, admin_since, professional_address, search_text)
    select e.id, 'A' || right(e.siret, 8), 'admin', 'madame', 'Admin', 'Alice', 'admin' || e.siret || '@bench.test', 'active', ${addDays(first, 200)}::date,
           now() - interval '30 days', array['Mairie'], 'admin alice'
    from establishments e where e.siret <> '99999999900000'`);
  await db.execute(sql`
    insert into accounts (establishment_id, login_id, profile, civility, last_name, first_name, email, status, expires_on, search_text)
    select e.id, 'U' || right(e.siret, 4) || lpad(j::text, 4, '0'), 'user', 'monsieur', 'Agent', 'Bruno', 'u' || e.siret || '.' || j || '@bench.test', 'active',
           ${first}::date + (j % 28), 'agent bruno'
    from establishments e cross join generate_series(1, ${perEst}) j where e.siret <> '99999999900000'`);

  log(`reminder run for ${month}`);
  phase = 'reminders';
  const r0 = performance.now();
  const started = await app.request('/operator/validity/reminders', {
    method: 'POST',
    headers: { authorization: `Bearer ${config.operatorToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ expiryMonth: month }),
  });
  if (started.status !== 202) throw new Error(`reminder run refused: ${started.status} ${await started.text()}`);
  const run = (await started.json()) as { workflowId: string; runId: string };
  const totals = (await temporal.workflow.getHandle(run.workflowId).result()) as { establishments: number; emailsSent: number; accounts: number; failed: string[] };
  const reminderMs = performance.now() - r0;

  const reminderProfile = await activityProfile(temporal, run.workflowId, 'sendEstablishmentReminder');

  log(`raw limit: ${REMINDER_EST} emails to the sink through the mailer, 10 at a time`);
  const mailer = createMailer(config.mail);
  const m0 = performance.now();
  await inBatches([...Array(REMINDER_EST).keys()], 10, (i) =>
    mailer.send({ to: `raw${i}@bench.test`, subject: 'Raw', html: '<p>raw</p>', text: 'raw', idempotencyKey: `raw/${i}/${randomUUID()}` }),
  );
  const rawMailMs = performance.now() - m0;
  clearInterval(sampler);
  const rssAfter = await rssOf(worker.pid!);
  const devDbSize = await devServerDatabaseSize(bench);

  console.log('');
  console.log(`Validity lifecycle benchmark — ${os.cpus().length} CPUs, load average at the end ${load()} (1 / 5 / 15 min)`);
  console.log(`1. ${RENEW_N} open validity workflows (worker start-up reconcile: ${reconciled} accounts checked in ${s(reconcileMs)}, ${rate(RENEW_N, reconcileMs)})`);
  console.log(`   worker RSS: idle ${mb(rssIdle)}, with ${RENEW_N} open ${mb(rssOpen)}, at the end ${mb(rssAfter)}${WORKER_FLAGS.length ? ` (extra flags: ${WORKER_FLAGS.join(' ')})` : ''}`);
  console.log(`   worker peak RSS: ${mb(Math.max(...Object.values(peaks)))} (reconcile ${mb(peaks.reconcile)}, renewal ${mb(peaks.renewal)}, reminder run ${mb(peaks.reminders)})`);
  console.log(`2. Bulk renewal of ${RENEW_N} accounts of one establishment (POST …/bulk-renew {"all": true}), ${renewal.count} renewed, ${renewal.auditEntries} audit entries`);
  console.log(`   the request (UPDATE + audit INSERT … SELECT + one workflow start)   ${s(renewal.requestMs)}`);
  console.log(`   until every validity workflow is signalled (${renewal.count})         ${s(renewal.signalledMs)}`);
  console.log(`   until every validity workflow shows the new ExpiresAt             ${s(renewal.movedMs)}`);
  console.log(`   CPU from the request until every ExpiresAt shows it: ${renewalCpuUsed}`);
  console.log(`   workflow tasks in ${timeouts.workflows} of these workflows' histories (raw limits and renewal): ${timeouts.tasks}, ${timeouts.timedOut} timed out (${timeouts.stickyTimedOut} waiting on the worker's sticky queue)`);
  console.log('   raw limits, same run:');
  console.log(`   the same set-based UPDATE alone (rolled back)                      ${s(rawUpdateMs)}`);
  console.log(`   bare signals to running validity workflows, 50 in flight           ${rate(RAW_SIGNALS, rawSignalMs)} (${RAW_SIGNALS} in ${s(rawSignalMs)}; ${RENEW_N} would take ${s((rawSignalMs * RENEW_N) / RAW_SIGNALS)})`);
  console.log(`     their workflow tasks done after ${s(bareSettledMs)} (within 2 s); CPU: ${bareCpuUsed}`);
  console.log(`   signals moving the expiry, 50 in flight, until each workflow shows it ${rate(RAW_SIGNALS, rawFollowedMs)} (${RAW_SIGNALS} in ${s(rawFollowedMs)}; ${RENEW_N} would take ${s((rawFollowedMs * RENEW_N) / RAW_SIGNALS)})`);
  console.log(`     CPU meanwhile: ${rawFollowedCpu}`);
  console.log(`3. Reminder run for ${month}: ${totals.accounts} accounts across ${totals.establishments} establishments, ${totals.emailsSent} emails, ${totals.failed.length} failed`);
  console.log(`   POST /operator/validity/reminders until the run's result           ${s(reminderMs)}`);
  console.log(`   raw limit: ${REMINDER_EST} emails straight to the sink, 10 at a time    ${s(rawMailMs)} (${rate(REMINDER_EST, rawMailMs)})`);
  console.log(`   where it goes: ${reminderProfile}`);
  console.log(`4. Temporal dev server database (SQLite + WAL) at the end: ${mb(devDbSize)}`);
});

/**
 * Workflow tasks in the current runs of `workflowIds`, and how many timed out. A task waiting longer than the
 * worker's sticky schedule-to-start timeout on its sticky queue times out and is scheduled again on the
 * shared queue: a second task, more work for the server, when the worker is behind.
 */
async function workflowTaskTimeouts(client: BenchStack['temporal'], workflowIds: string[]) {
  let tasks = 0;
  let timedOut = 0;
  let stickyTimedOut = 0;
  for (const id of workflowIds) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    for (const e of history.events ?? []) {
      if (e.workflowTaskScheduledEventAttributes) tasks++;
      const timeout = e.workflowTaskTimedOutEventAttributes;
      if (!timeout) continue;
      timedOut++;
      if (timeout.timeoutType === proto.api.enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START) stickyTimedOut++;
    }
  }
  return { workflows: workflowIds.length, tasks, timedOut, stickyTimedOut };
}

/**
 * Where a run's activities spent their time, from its histories (every run of the workflow ID, continue-as-new
 * included): waiting in the task queue (scheduled → started) and running (started → completed), per activity.
 */
async function activityProfile(client: BenchStack['temporal'], workflowId: string, activityType: string): Promise<string> {
  const queued: number[] = [];
  const running: number[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    const history = await client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
    const at = new Map<number, number>();
    const ours = new Set<number>();
    for (const e of history.events ?? []) {
      const id = Number(e.eventId);
      const time = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);
      at.set(id, time);
      if (e.activityTaskScheduledEventAttributes?.activityType?.name === activityType) ours.add(id);
      const started = e.activityTaskStartedEventAttributes;
      if (started && ours.has(Number(started.scheduledEventId))) queued.push(time - at.get(Number(started.scheduledEventId))!);
      const completed = e.activityTaskCompletedEventAttributes;
      if (completed && ours.has(Number(completed.scheduledEventId))) running.push(time - at.get(Number(completed.startedEventId))!);
    }
  }
  const stats = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const avg = xs.reduce((t, x) => t + x, 0) / Math.max(1, xs.length);
    return `avg ${avg.toFixed(0)} ms, p95 ${(sorted[Math.floor(sorted.length * 0.95)] ?? 0).toFixed(0)} ms`;
  };
  return `${running.length} × ${activityType}: queued ${stats(queued)}; running ${stats(running)} (sum ${s(running.reduce((t, x) => t + x, 0))})`;
}

