/**
 * Fault drill of the production topology: `npm run drill:cluster`. A script that prints counts, not a test.
 *
 * Starts `npm run cluster`'s topology (dev/cluster.ts) in a temporary DATA_DIR, logs in as the demo
 * admin, then runs four phases. In each, DRILL_ACCOUNTS accounts (default 250, so 1,000 in all) are
 * created through the two API instances in turn, DRILL_CONCURRENCY at a time (default 8), and a
 * third of the way in one fault strikes:
 *
 *   (a) worker-1 is SIGKILLed, started again 3 s later;
 *   (b) the Temporal history service is SIGKILLed, started again 3 s later;
 *   (c) PostgreSQL is restarted (fast shutdown, same data);
 *   (d) api-2 is SIGKILLed (the load goes to api-1 from then on; api-2 is started again after the phase).
 *
 * The client behaves as a real one behind a load balancer: a request that gets no answer (connection
 * refused or reset: the killed API) or a 503 is sent again with the same Idempotency-Key, to a live
 * instance, after its Retry-After. Both are counted. After each phase, once the system is quiet: the
 * accounts of the establishment (the API's list), the activation workflows (visibility), and the
 * creation emails in the sink must match one to one; every orphan or duplicate is printed.
 * DRILL_FAULTS picks phases by letter (`c` = the PostgreSQL restart alone); DRILL_LOGS=<folder> keeps
 * a copy of the cluster's process logs.
 */
import { randomUUID } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startCluster, type Cluster } from '../../dev/cluster';
import { createMailSinkClient } from '../../dev/mail-sink';
import { CREATION_SUBJECT, login, postAccount } from './account-requests';

const ACCOUNTS = Number(process.env.DRILL_ACCOUNTS ?? 250);
const CONCURRENCY = Number(process.env.DRILL_CONCURRENCY ?? 8);
/** Which faults to run, by letter (e.g. `DRILL_FAULTS=c` for the PostgreSQL restart alone); all four by default. */
const SELECTED = (process.env.DRILL_FAULTS ?? 'abcd').toLowerCase();
/** A folder to copy the cluster's process logs into before the temporary folder is removed. */
const KEEP_LOGS = process.env.DRILL_LOGS;
const log = (message: string) => process.stderr.write(`[drill] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface PhaseCounts {
  created: number;
  /** Answers by HTTP status, first attempts and retries alike. */
  statuses: Record<string, number>;
  /** No answer (connection refused/reset), by instance. */
  noAnswer: Record<string, number>;
  retries: number;
  seconds: number;
}

interface Fault {
  name: string;
  strike(cluster: Cluster, live: Set<number>): Promise<void>;
  /** After the phase's requests: what the fault left down comes back. */
  heal?(cluster: Cluster, live: Set<number>): Promise<void>;
}

const FAULTS: Fault[] = [
  {
    name: '(a) worker-1 SIGKILL, redémarré',
    async strike(cluster) {
      await cluster.workers[0]!.stop('SIGKILL');
      await sleep(3_000);
      await cluster.workers[0]!.start();
    },
  },
  {
    name: '(b) Temporal history SIGKILL, redémarré',
    async strike(cluster) {
      await cluster.temporal.history.stop('SIGKILL');
      await sleep(3_000);
      await cluster.temporal.history.start();
    },
  },
  {
    name: '(c) PostgreSQL redémarré',
    async strike(cluster) {
      await cluster.restartPostgres!();
    },
  },
  {
    name: '(d) api-2 SIGKILL',
    async strike(cluster, live) {
      live.delete(1); // the load balancer's health check notices it: new requests go to api-1
      await cluster.apiProcesses[1]!.stop('SIGKILL');
    },
    async heal(cluster, live) {
      await cluster.apiProcesses[1]!.start();
      live.add(1);
    },
  },
];

async function runPhase(cluster: Cluster, token: string, establishmentId: string, phase: number, fault: Fault) {
  const counts: PhaseCounts = { created: 0, statuses: {}, noAnswer: {}, retries: 0, seconds: 0 };
  const live = new Set([0, 1]);
  let next = 0;
  let struck: Promise<void> | undefined;
  const started = Date.now();
  const createOne = async (i: number) => {
    const email = `drill-${phase}-${i}@mairie.test`;
    const key = randomUUID();
    for (let attempt = 0; ; attempt++) {
      const instances = [...live];
      const instance = instances[(i + attempt) % instances.length]!;
      if (attempt > 0) counts.retries++;
      try {
        const { status, retryAfterSeconds } = await postAccount(cluster.apis[instance]!, {
          token, establishmentId, email, lastName: `Exercice${phase}`, firstName: `Numero${i}`, idempotencyKey: key,
        });
        counts.statuses[status] = (counts.statuses[status] ?? 0) + 1;
        if (status === 201) return void counts.created++;
        if (status !== 503 || attempt > 60) throw new Error(`${email}: HTTP ${status}`);
        await sleep((retryAfterSeconds ?? 1) * 1_000);
      } catch (error) {
        // fetch failed (TypeError) or timed out: no answer from that instance
        if (!(error instanceof TypeError) && (error as Error).name !== 'TimeoutError') throw error;
        const name = `api-${instance + 1}`;
        counts.noAnswer[name] = (counts.noAnswer[name] ?? 0) + 1;
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        log(`${email}: no answer from ${name} (${(error as Error).name}: ${cause?.code ?? cause?.message ?? (error as Error).message})`);
        if (attempt > 60) throw error;
        await sleep(500);
      }
    }
  };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < ACCOUNTS) {
        const i = next++;
        if (i === Math.floor(ACCOUNTS / 3)) {
          log(`phase ${phase}: ${fault.name}`);
          struck = fault.strike(cluster, live).then(() => void log(`phase ${phase}: fault over`));
        }
        await createOne(i);
      }
    }),
  );
  log(`phase ${phase}: requests done`);
  await struck;
  await fault.heal?.(cluster, live);
  counts.seconds = (Date.now() - started) / 1_000;
  return counts;
}

/** Login id → email of the accounts the drill created, through the API's list (pages of 100). */
async function listAccounts(api: string, token: string, establishmentId: string): Promise<Map<string, string>> {
  const accounts = new Map<string, string>();
  for (let page = 1; ; page++) {
    const response = await fetch(`${api}/establishments/${establishmentId}/accounts?pageSize=100&page=${page}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!response.ok) throw new Error(`list: HTTP ${response.status}`);
    const { items } = (await response.json()) as { items: { loginId: string; email: string }[] };
    for (const item of items) if (item.email.startsWith('drill-')) accounts.set(item.loginId, item.email); // not the demo admin
    if (items.length < 100) return accounts;
  }
}

/** A run's history as `temporal workflow show --output json` prints it (readable; replayable with historyFromJSON). */
async function writeHistory(handle: { fetchHistory(): Promise<unknown> }, file: string) {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(await handle.fetchHistory(), null, 1));
}

async function check(cluster: Cluster, client: Client, token: string, establishmentId: string) {
  const sink = createMailSinkClient(cluster.mailbox);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const accounts = await listAccounts(cluster.apis[0]!, token, establishmentId);
    log('check: accounts listed');
    const runs = new Map<string, number>();
    const closedWithoutAccount = new Set<string>();
    for await (const wf of client.workflow.list({ query: `WorkflowType = 'activationWorkflow'` })) {
      // A creation rolled back after its workflow started (the start is the transaction's last step):
      // the workflow finds no account, gives up on its own (account_not_eligible) and sends nothing.
      if (wf.status.name !== 'RUNNING' && !accounts.has(wf.workflowId.replace(/^activation-/, ''))) {
        closedWithoutAccount.add(wf.workflowId);
        continue;
      }
      runs.set(wf.workflowId, (runs.get(wf.workflowId) ?? 0) + 1);
    }
    log('check: workflows listed');
    const emails = new Map<string, number>();
    for (const message of await sink.list()) {
      if (message.subject !== CREATION_SUBJECT) continue;
      for (const to of message.to) emails.set(to.toLowerCase(), (emails.get(to.toLowerCase()) ?? 0) + 1);
    }
    // How they ended (a workflow's result is its outcome): `account_not_eligible` expected.
    const rolledBackOutcomes: Record<string, number> = {};
    // Sends of those runs that a worker's eviction cancelled (a `cancelled` local-activity marker):
    // version 4 sends them again (workflows/password-link.ts); version 3 closed the run Failed.
    let evictedSends = 0;
    /** The longest a rolled-back run stayed open, start to close (seconds): evictions add to it. */
    let longestRolledBack = 0;
    for (const id of closedWithoutAccount) {
      const handle = client.workflow.getHandle(id);
      const outcome = String(
        await handle.result().catch(async (error: Error) => {
          // Why it failed, and (with DRILL_LOGS) its history, to read the sequence that led there.
          log(`${id}: ${error.name} — ${String((error as Error & { cause?: unknown }).cause)}`);
          if (KEEP_LOGS) await writeHistory(handle, path.join(KEEP_LOGS, `${id}.history.json`));
          return error.name;
        }),
      );
      rolledBackOutcomes[outcome] = (rolledBackOutcomes[outcome] ?? 0) + 1;
      const events = (await handle.fetchHistory()).events ?? [];
      evictedSends += events.filter((e) => e.markerRecordedEventAttributes?.failure?.canceledFailureInfo).length;
      const { startTime, closeTime } = await handle.describe();
      if (closeTime) longestRolledBack = Math.max(longestRolledBack, (closeTime.getTime() - startTime.getTime()) / 1000);
    }
    const result = {
      rolledBackOutcomes,
      evictedSends,
      longestRolledBack,
      accounts: accounts.size,
      activationWorkflows: runs.size,
      accountsWithoutWorkflow: [...accounts.keys()].filter((login) => !runs.has(`activation-${login}`)),
      workflowsWithoutAccount: [...runs.keys()].filter((id) => !accounts.has(id.replace(/^activation-/, ''))),
      workflowsStartedTwice: [...runs].filter(([, n]) => n > 1).map(([id]) => id),
      accountsWithoutEmail: [...accounts].filter(([, email]) => !emails.has(email.toLowerCase())).map(([login]) => login),
      emailsSentTwice: [...emails].filter(([, n]) => n > 1).map(([to]) => to),
      emails: [...emails.values()].reduce((a, b) => a + b, 0),
      rolledBackAndClosed: closedWithoutAccount.size,
    };
    const clean = result.accountsWithoutWorkflow.length + result.workflowsWithoutAccount.length + result.accountsWithoutEmail.length === 0;
    if (clean || Date.now() > deadline) return result;
    log(`waiting for a clean state: ${JSON.stringify({ ...result, emailsSentTwice: result.emailsSentTwice.length })}`);
    await sleep(2_000); // visibility and the emails follow the requests by a few seconds
  }
}

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'peps-drill-'));
  await chmod(dataDir, 0o755); // as root, PostgreSQL runs as `postgres`, who must reach its data folder
  let cluster: Cluster | undefined;
  let stopping: Promise<void> | undefined;
  // One stop, awaited by both Ctrl-C and the end of main: exiting halfway would leave PostgreSQL running.
  const stop = () =>
    (stopping ??= (async () => {
      await cluster?.stop();
      if (KEEP_LOGS) await cp(path.join(dataDir, 'cluster', 'logs'), KEEP_LOGS, { recursive: true }).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    })());
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    log(`cluster in ${dataDir} …`);
    cluster = await startCluster({ dataDir });
    const admin = cluster.demo.seeded!;
    const token = await login(cluster.apis[0]!, admin.loginId, admin.password);
    const connection = await Connection.connect({ address: cluster.frontend });
    const client = new Client({ connection, namespace: cluster.namespace });
    for (const [index, fault] of FAULTS.entries()) {
      if (!SELECTED.includes(fault.name[1]!)) continue;
      const counts = await runPhase(cluster, token, admin.establishmentId, index + 1, fault);
      const result = await check(cluster, client, token, admin.establishmentId);
      const line =
        `${fault.name}: ${counts.created}/${ACCOUNTS} créés en ${counts.seconds.toFixed(1)} s ` +
        `(${(counts.created / counts.seconds).toFixed(1)}/s) ; réponses ${JSON.stringify(counts.statuses)} ; ` +
        `sans réponse ${JSON.stringify(counts.noAnswer)} ; renvois ${counts.retries}\n` +
        `    cumul : ${result.accounts} comptes, ${result.activationWorkflows} workflows d'activation, ${result.emails} courriels de création ; ` +
        `comptes sans workflow ${result.accountsWithoutWorkflow.length}, workflows sans compte encore ouverts ${result.workflowsWithoutAccount.length}, ` +
        `workflows en double ${result.workflowsStartedTwice.length}, comptes sans courriel ${result.accountsWithoutEmail.length}, ` +
        `courriels en double ${result.emailsSentTwice.length} ; créations annulées (503, sans réponse ou rejouées) dont le workflow s'est clos seul : ${result.rolledBackAndClosed} ${JSON.stringify(result.rolledBackOutcomes)}, ` +
        `envois de leur lien annulés par une éviction du cache du worker : ${result.evictedSends} ; le plus long ouvert : ${result.longestRolledBack.toFixed(1)} s` +
        (result.accountsWithoutWorkflow.length + result.workflowsWithoutAccount.length + result.accountsWithoutEmail.length + result.emailsSentTwice.length > 0
          ? `\n    détail : ${JSON.stringify({ ...result, accounts: undefined, activationWorkflows: undefined, emails: undefined, rolledBackOutcomes: undefined })}`
          : '');
      console.log(line);
    }
    await connection.close();
  } finally {
    await stop();
  }
}

main().catch((error: Error) => {
  console.error(`[drill] ${error.stack ?? error.message}`);
  process.exit(1);
});
