/**
 * Benchmark of a terms-of-use publication: `npm run bench:terms`.
 *
 * A script that prints figures, not a test. Its own PostgreSQL, Temporal dev server and mail sink
 * (test/support/local-stack.ts), BENCH_ESTABLISHMENTS establishments (default 10,000) with one active
 * admin each, and the real worker as a separate process (`worker/main.ts`, as in production) whose
 * resident memory (VmRSS) is sampled. The operator publishes a version through the API; the script
 * measures the time until every establishment's workflow is started (the campaign's status query)
 * and until every first email is sent (one `email.terms_of_use_sent` history entry per
 * establishment, written right after its emails), then the worker's RSS.
 *
 * Beside them, the raw limits measured in the same run: starting bare workflows from a client with the
 * same concurrency (on a task queue nobody polls), and sending emails to the sink with the same mailer.
 *
 *   BENCH_ESTABLISHMENTS=2000 npm run bench:terms
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { createMailer } from '../../activities/mailer';
import { createApp } from '../../api/app';
import { systemClock } from '../../api/deps';
import { loadConfig } from '../../config/env';
import { createDatabase } from '../../db/client';
import { addDays, parisDay } from '../../domain/dates';
import { loginIdReminderWorkflow } from '../../workflows';
import { termsCampaignStatusQuery, workflowIds } from '../../workflows/definitions';
import { startLocalStack } from '../support/local-stack';

const N = Number(process.env.BENCH_ESTABLISHMENTS ?? 10_000);
const RAW_SAMPLE = Math.min(N, 1000);
const CONCURRENCY = 32; // as the campaign's page activity
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_SECONDS ?? 1800) * 1000;
const REPO = path.resolve(__dirname, '../..');
const log = (message: string) => process.stderr.write(`[bench:terms] ${message}\n`);

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function until(what: string, check: () => Promise<boolean>, started: number) {
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > TIMEOUT_MS) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function inBatches<T>(items: T[], run: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += CONCURRENCY) await Promise.all(items.slice(i, i + CONCURRENCY).map(run));
}

async function main() {
  const root = await mkdtemp(path.join(os.tmpdir(), 'peps-bench-terms-'));
  await chmod(root, 0o755);
  const closers: (() => Promise<unknown>)[] = [];
  let worker: ChildProcess | undefined;
  const cleanup = async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGINT');
      await new Promise((r) => worker!.once('exit', r));
    }
    for (const close of closers.reverse()) await close().catch((e) => log(`cleanup: ${String(e)}`));
    await rm(root, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  try {
    log(`starting PostgreSQL, Temporal dev server and mail sink in ${root}`);
    const stack = await startLocalStack({ root, database: 'peps_bench' });
    closers.push(() => stack.stop());
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_TASK_QUEUE: `bench-terms-${randomUUID()}`,
      RESEND_BASE_URL: stack.mailSinkUrl,
      PUBLIC_BASE_URL: 'http://peps.bench',
      DATA_DIR: root,
    };
    const config = loadConfig(env);
    const database = createDatabase(config.database.url);
    closers.push(() => database.close());
    const connection = await Connection.connect({ address: config.temporal.address });
    closers.push(() => connection.close());
    const temporal = new Client({ connection, namespace: config.temporal.namespace });
    const app = createApp({ db: database.db, temporal, config, clock: systemClock });

    log(`seeding ${N} establishments with one active admin each`);
    await database.db.execute(sql`
      insert into establishments (siret, name, legal_rep_civility, legal_rep_last_name, legal_rep_first_name, legal_rep_title, legal_rep_address)
      select lpad(i::text, 14, '0'), 'COMMUNE ' || i, 'madame', 'Maire', 'Anne', 'Maire', array['Mairie', '1 place', '33000 BORDEAUX']
      from generate_series(1, ${N}) i`);
    await database.db.execute(sql`
      insert into accounts (establishment_id, login_id, profile, civility, last_name, first_name, email, status, expires_on, admin_since, professional_address, search_text)
      select e.id, 'B' || lpad(e.siret::bigint::text, 8, '0'), 'admin', 'madame', 'Admin', 'Alice', 'admin' || e.siret || '@bench.test', 'active',
             current_date + 500, now() - interval '30 days', array['Mairie'], 'admin alice'
      from establishments e`);

    log('starting the worker (worker/main.ts) as its own process');
    worker = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      worker!.stdout!.on('data', (chunk: Buffer) => (String(chunk).includes('polling task queue') ? resolve() : undefined));
      worker!.once('exit', (code) => reject(new Error(`worker exited (${code})`)));
    });
    const rssIdle = await rssOf(worker.pid!);
    let rssPeak = rssIdle;
    const sampler = setInterval(() => void rssOf(worker!.pid!).then((r) => (rssPeak = Math.max(rssPeak, r))), 200);

    const version = `bench-${Date.now()}`;
    log(`publishing version ${version}`);
    const t0 = performance.now();
    const res = await app.request('/operator/terms-versions', {
      method: 'POST',
      headers: { authorization: `Bearer ${config.operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version, title: 'CGU', text: 'Conditions générales.', deadlineOn: addDays(parisDay(new Date()), 30) }),
    });
    const publishMs = performance.now() - t0;
    if (res.status !== 201) throw new Error(`publication refused: ${res.status} ${await res.text()}`);

    const campaign = temporal.workflow.getHandle(workflowIds.termsCampaign(version));
    const startedMs = await until('every workflow started', async () => {
      const status = await campaign.query(termsCampaignStatusQuery).catch(() => null);
      return status?.stage === 'all_started';
    }, t0);
    const sent = async () =>
      Number(
        ((await database.db.execute(sql`select count(*)::int as n from audit_events where action = 'email.terms_of_use_sent' and detail->>'version' = ${version}`)) as unknown as [{ n: number }])[0].n,
      );
    const emailsMs = await until('every first email sent', async () => (await sent()) >= N, t0);
    clearInterval(sampler);
    const rssAfter = await rssOf(worker.pid!);
    const status = await campaign.query(termsCampaignStatusQuery);

    log(`raw limits: ${RAW_SAMPLE} bare workflow starts and ${RAW_SAMPLE} emails, ${CONCURRENCY} at a time`);
    const rawQueue = `bench-raw-${randomUUID()}`;
    const r0 = performance.now();
    await inBatches([...Array(RAW_SAMPLE).keys()], (i) =>
      temporal.workflow.start(loginIdReminderWorkflow, {
        workflowId: `bench-raw-${i}-${randomUUID()}`,
        taskQueue: rawQueue,
        args: [{ accountId: randomUUID(), loginId: 'RAW', establishmentSiret: '0', requestId: String(i) }],
      }),
    );
    const rawStartMs = performance.now() - r0;
    const mailer = createMailer(config.mail);
    const m0 = performance.now();
    await inBatches([...Array(RAW_SAMPLE).keys()], (i) =>
      mailer.send({ to: `raw${i}@bench.test`, subject: 'Raw', html: '<p>raw</p>', text: 'raw', idempotencyKey: `raw/${i}/${randomUUID()}` }),
    );
    const rawMailMs = performance.now() - m0;

    const rate = (count: number, ms: number) => `${((count / ms) * 1000).toFixed(0)}/s`;
    console.log('');
    console.log(`Publication of version ${version} to ${N} establishments (one active admin each), ${os.cpus().length} CPUs`);
    console.log(`  POST /operator/terms-versions (version + ${N} rows + campaign start)  ${publishMs.toFixed(0)} ms`);
    console.log(`  every establishment's workflow started                       ${s(startedMs)}  (${rate(N, startedMs)}; ${status.pages} pages, ${status.started} started)`);
    console.log(`  every first email sent                                        ${s(emailsMs)}  (${rate(N, emailsMs)})`);
    console.log(`  worker RSS: idle ${mb(rssIdle)}, peak ${mb(rssPeak)}, after ${mb(rssAfter)}`);
    console.log('Raw limits, same run:');
    console.log(`  bare workflow starts from a client, ${CONCURRENCY} at a time      ${rate(RAW_SAMPLE, rawStartMs)} (${RAW_SAMPLE} in ${s(rawStartMs)})`);
    console.log(`  emails to the sink through the mailer, ${CONCURRENCY} at a time    ${rate(RAW_SAMPLE, rawMailMs)} (${RAW_SAMPLE} in ${s(rawMailMs)})`);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
