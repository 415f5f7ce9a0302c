/**
 * Benchmark of a terms-of-use publication: `npm run bench:terms`.
 *
 * A script that prints figures, not a test. Its own PostgreSQL, Temporal dev server and mail sink
 * (test/support/local-stack.ts), BENCH_ESTABLISHMENTS establishments (default 10,000) with one active
 * admin each, and the real worker as a separate process (`worker/main.ts`, as in production) whose
 * resident memory (VmRSS) is sampled. The operator publishes a version through the API; the script
 * measures the time until every establishment's workflow is started (the campaign's run closes)
 * and until every first email is sent (one `email.terms_of_use_sent` history entry per
 * establishment, written right after its emails), then the worker's RSS. A line a minute tells the
 * progress; when BENCH_TIMEOUT_SECONDS (default 3600) runs out, it prints the figures reached.
 *
 * Beside them, the raw limits measured in the same run: starting bare workflows from a client with the
 * same concurrency (on a task queue nobody polls), and sending emails to the sink with the same mailer.
 *
 *   BENCH_ESTABLISHMENTS=2000 npm run bench:terms
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { sql } from 'drizzle-orm';
import { createMailer } from '../../activities/mailer';
import { createApp } from '../../api/app';
import { systemClock } from '../../api/deps';
import { addDays, parisDay } from '../../domain/dates';
import { loginIdReminderWorkflow } from '../../workflows';
import { type TermsCampaignStatus, workflowIds } from '../../workflows/definitions';
import { benchLogger, inBatches, mb, rssOf, runBench, startWorkerProcess, until } from './bench-stack';

const N = Number(process.env.BENCH_ESTABLISHMENTS ?? 10_000);
const RAW_SAMPLE = Math.min(N, 1000);
const CONCURRENCY = 32; // as the campaign's page activity
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_SECONDS ?? 3600) * 1000;
const log = benchLogger('terms');
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

runBench('terms', async (bench) => {
  const { config, database, temporal } = bench;
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
  const worker = await startWorkerProcess(bench);
  const rssIdle = await rssOf(worker.pid!);
  let rssPeak = rssIdle;
  const sampler = setInterval(() => void rssOf(worker.pid!).then((r) => (rssPeak = Math.max(rssPeak, r))), 200);

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

  // The campaign's run closes once every establishment's workflow is started: its result, not a query
  // (a status query waits behind the thousands of workflow tasks the fan-out creates).
  const campaign = temporal.workflow.getHandle(workflowIds.termsCampaign(version));
  let status: TermsCampaignStatus | undefined;
  let startedMs: number | undefined;
  void campaign.result().then((result: TermsCampaignStatus) => {
    status = result;
    startedMs = performance.now() - t0;
  });
  const sent = async () =>
    Number(
      ((await database.db.execute(sql`select count(*)::int as n from audit_events where action = 'email.terms_of_use_sent' and detail->>'version' = ${version}`)) as unknown as [{ n: number }])[0].n,
    );
  const started = async () => (await temporal.workflow.count(`WorkflowType = 'termsWorkflow' AND TermsVersion = '${version}'`)).count;
  // One line a minute, so that a run cut short still tells how far it went.
  const progress = setInterval(
    () =>
      void Promise.all([started(), sent(), rssOf(worker.pid!)])
        .then(([w, e, rss]) =>
          log(`${s(performance.now() - t0)}: ${w} workflows started, ${e} first emails sent, worker RSS ${mb(rss)}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`),
        )
        .catch((error: unknown) => log(`progress not read: ${String(error)}`)),
    60_000,
  );
  let emailsMs: number | undefined;
  try {
    emailsMs = await until('every first email sent', async () => startedMs !== undefined && (await sent()) >= N, t0, TIMEOUT_MS);
  } catch {
    log(`BENCH_TIMEOUT_SECONDS reached: the figures below are those reached by then`);
  }
  clearInterval(progress);
  clearInterval(sampler);
  const rssAfter = await rssOf(worker.pid!);
  const [startedAtEnd, sentAtEnd] = await Promise.all([started(), sent()]);
  const elapsedMs = performance.now() - t0;
  const [startedMsAtEnd, statusAtEnd] = [startedMs, status]; // the raw limits below must not complete them late

  log(`raw limits: ${RAW_SAMPLE} bare workflow starts and ${RAW_SAMPLE} emails, ${CONCURRENCY} at a time`);
  const rawQueue = `bench-raw-${randomUUID()}`;
  const r0 = performance.now();
  await inBatches([...Array(RAW_SAMPLE).keys()], CONCURRENCY, (i) =>
    temporal.workflow.start(loginIdReminderWorkflow, {
      workflowId: `bench-raw-${i}-${randomUUID()}`,
      taskQueue: rawQueue,
      args: [{ accountId: randomUUID(), loginId: 'RAW', establishmentSiret: '0', requestId: String(i) }],
    }),
  );
  const rawStartMs = performance.now() - r0;
  const mailer = createMailer(config.mail);
  const m0 = performance.now();
  await inBatches([...Array(RAW_SAMPLE).keys()], CONCURRENCY, (i) =>
    mailer.send({ to: `raw${i}@bench.test`, subject: 'Raw', html: '<p>raw</p>', text: 'raw', idempotencyKey: `raw/${i}/${randomUUID()}` }),
  );
  const rawMailMs = performance.now() - m0;

  const rate = (count: number, ms: number) => `${((count / ms) * 1000).toFixed(0)}/s`;
  console.log('');
  console.log(`Publication of version ${version} to ${N} establishments (one active admin each), ${os.cpus().length} CPUs`);
  console.log(`  POST /operator/terms-versions (version + ${N} rows + campaign start)  ${publishMs.toFixed(0)} ms`);
  console.log(
    startedMsAtEnd !== undefined && statusAtEnd
      ? `  every establishment's workflow started                       ${s(startedMsAtEnd)}  (${rate(N, startedMsAtEnd)}; ${statusAtEnd.pages} pages, ${statusAtEnd.started} started)`
      : `  every establishment's workflow started                       not reached: ${startedAtEnd} of ${N} after ${s(elapsedMs)}`,
  );
  console.log(
    emailsMs !== undefined
      ? `  every first email sent                                        ${s(emailsMs)}  (${rate(N, emailsMs)})`
      : `  every first email sent                                        not reached: ${sentAtEnd} of ${N} after ${s(elapsedMs)}`,
  );
  console.log(`  worker RSS: idle ${mb(rssIdle)}, peak ${mb(rssPeak)}, after ${mb(rssAfter)}`);
  console.log('Raw limits, same run:');
  console.log(`  bare workflow starts from a client, ${CONCURRENCY} at a time      ${rate(RAW_SAMPLE, rawStartMs)} (${RAW_SAMPLE} in ${s(rawStartMs)})`);
  console.log(`  emails to the sink through the mailer, ${CONCURRENCY} at a time    ${rate(RAW_SAMPLE, rawMailMs)} (${RAW_SAMPLE} in ${s(rawMailMs)})`);
});
