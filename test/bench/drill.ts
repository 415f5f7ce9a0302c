/**
 * Fault drill (`npm run drill`): the real API and worker as processes (as in production), on a
 * PostgreSQL, a Temporal dev server and a mail sink of the drill's own (temporary folder, free ports).
 *
 * 1. PostgreSQL stopped for 15 s under 8 looping clients (GET /me, account list, account creation),
 *    then restarted: while it is down every answer is 503 with Retry-After (no 500, no dropped
 *    connection); the API and the worker stay up and recover by themselves; nothing half-written
 *    (every account in the database has its activation workflow; no 201 without its account).
 * 2. Temporal stopped: 8 parallel creations fail fast with 503, while a concurrent GET /me keeps
 *    answering at once (creation holds no database connection); nothing is written. Then Temporal
 *    is restarted and creation works again.
 *
 * Prints the figures (the README keeps the last ones); exits 1 on any broken promise above.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { createDatabase } from '../../db/client';
import { migrateDatabase } from '../../db/migrate';
import { accounts } from '../../db/schema';
import { startMailSink } from '../../dev/mail-sink';
import { findFreePort } from '../../dev/ports';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../dev/postgres';
import { startTemporalDevServer, type TemporalDevServer } from '../../dev/temporal';
import { hashPassword } from '../../security/passwords';
import { workflowIds } from '../../workflows/definitions';
import { insertAccount, insertEstablishment } from '../support/fixtures';

const ROOT = path.resolve(__dirname, '../..');
const PASSWORD = 'Exercice-Panne-2026';
const CLIENTS = 8;
const log = (line: string) => console.log(`[drill] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const problems: string[] = [];
const check = (ok: boolean, what: string) => {
  log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) problems.push(what);
};

function startProcess(name: string, script: string, env: NodeJS.ProcessEnv, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, script)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      if (ready.test(chunk.toString())) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => process.env.DRILL_VERBOSE && process.stderr.write(`[${name}] ${chunk}`));
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
  });
}

async function main() {
  const root = await mkdtemp(path.join(os.tmpdir(), 'peps-drill-'));
  await chmod(root, 0o755); // as root, PostgreSQL runs as the postgres user, which must reach its data directory
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const pgPort = await findFreePort();
    const startPg = () => startEmbeddedPostgres({ dataDir: path.join(root, 'pg'), port: pgPort });
    let pg: EmbeddedPostgres = await startPg();
    closers.push(() => pg.stop());
    const databaseUrl = pg.url('postgres');
    await migrateDatabase(databaseUrl);
    const temporalPort = await findFreePort();
    const temporalUiPort = await findFreePort();
    const startTemporal = () =>
      startTemporalDevServer({ dbFile: path.join(root, 'temporal.db'), logFile: path.join(root, 'temporal.log'), port: temporalPort, uiPort: temporalUiPort, namespace: 'default' });
    let temporalServer: TemporalDevServer = await startTemporal();
    closers.push(() => temporalServer.stop());
    const sink = await startMailSink({ port: 0, dir: path.join(root, 'mail') });
    closers.push(() => sink.stop());

    const apiPort = await findFreePort();
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalServer.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'drill',
      RESEND_BASE_URL: sink.url,
      API_PORT: String(apiPort),
      PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}`,
      DATA_DIR: root,
      // PostgreSQL stays down 15 s here: past a 5 s budget the API must answer 503 (a shorter restart
      // is waited out, see npm run drill:cluster).
      DATABASE_RETRY_SECONDS: '5',
    };
    const worker = await startProcess('worker', 'worker/main.ts', env, /polling task queue/);
    closers.push(async () => worker.kill('SIGTERM'));
    const api = await startProcess('api', 'api/main.ts', env, /listening on/);
    closers.push(async () => api.kill('SIGTERM'));
    const base = `http://127.0.0.1:${apiPort}`;

    const database = createDatabase(databaseUrl, { max: 2 });
    closers.push(() => database.close());
    const est = await insertEstablishment(database.db);
    const admin = await insertAccount(database.db, est.id, { profile: 'admin', passwordHash: await hashPassword(PASSWORD) });
    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ loginId: admin.loginId, password: PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };
    let n = 0;
    const create = () => {
      const email = `drill-${(n += 1)}@employeur.test`;
      return fetch(`${base}/establishments/${est.id}/accounts`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ profile: 'user', civility: 'madame', lastName: 'Exercice', firstName: 'Jeanne', email, emailConfirmation: email }),
      });
    };
    const calls = [() => fetch(`${base}/me`, { headers: auth }), () => fetch(`${base}/establishments/${est.id}/accounts`, { headers: auth }), create];

    // —— 1. PostgreSQL stopped and restarted under load ——
    type Seen = { phase: string; status: number; retryAfter: string | null; at: number; kind: number };
    const seen: Seen[] = [];
    let phase = 'up';
    let running = true;
    const client = async (i: number) => {
      for (let k = i; running; k++) {
        const startedIn = phase;
        const kind = k % calls.length;
        const res = await calls[kind]!().catch(() => null); // null: the connection itself failed
        if (res) await res.arrayBuffer();
        seen.push({ phase: startedIn, status: res?.status ?? 0, retryAfter: res?.headers.get('retry-after') ?? null, at: performance.now(), kind });
      }
    };
    log(`PostgreSQL drill: ${CLIENTS} clients looping over GET /me, GET accounts, POST accounts`);
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
    await sleep(10_000);
    phase = 'down';
    const stoppedAt = performance.now();
    await pg.stop();
    log(`PostgreSQL stopped`);
    await sleep(15_000);
    phase = 'back';
    pg = await startPg();
    const restartedAt = performance.now();
    log(`PostgreSQL restarted (${((restartedAt - stoppedAt) / 1000).toFixed(1)} s down)`);
    await sleep(20_000);
    running = false;
    await load;

    const tally = (p: string) => {
      const list = seen.filter((s) => s.phase === p);
      const byStatus = new Map<number, number>();
      for (const s of list) byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + 1);
      return { list, text: [...byStatus].sort(([a], [b]) => a - b).map(([s, c]) => `${s || 'no answer'}×${c}`).join(' ') };
    };
    for (const p of ['up', 'down', 'back']) log(`  ${p.padEnd(4)}: ${tally(p).text}`);
    const down = tally('down').list;
    const unavailable = down.filter((s) => s.status === 503);
    check(down.every((s) => s.status !== 500 && s.status !== 0), 'while down: no 500, no dropped connection');
    check(unavailable.length > 0 && unavailable.every((s) => s.retryAfter !== null), `while down: ${unavailable.length} × 503, each with Retry-After`);
    const firstOk = seen.filter((s) => s.at > restartedAt && s.status < 300).sort((a, b) => a.at - b.at)[0];
    const recovery = firstOk ? (firstOk.at - restartedAt) / 1000 : Number.NaN;
    log(`  first success ${recovery.toFixed(1)} s after the restart`);
    const lateFailures = seen.filter((s) => s.phase === 'back' && s.at > restartedAt + 5_000 && s.status >= 300);
    check(lateFailures.length === 0, `recovered by itself: no failure from 5 s after the restart (${lateFailures.length})`);
    check(api.exitCode === null && worker.exitCode === null, 'the API and the worker processes are still running');

    const created = seen.filter((s) => s.kind === 2 && s.status === 201).length;
    const rows = await database.db.select({ loginId: accounts.loginId }).from(accounts).where(eq(accounts.establishmentId, est.id));
    const newAccounts = rows.filter((r) => r.loginId !== admin.loginId);
    check(newAccounts.length >= created, `every 201 has its account (${created} × 201, ${newAccounts.length} accounts)`);
    const connection = await Connection.connect({ address: temporalServer.address });
    closers.push(() => connection.close());
    const temporal = new Client({ connection });
    let withoutWorkflow = 0;
    for (const { loginId } of newAccounts) {
      await temporal.workflow.getHandle(workflowIds.activation(loginId)).describe().catch(() => (withoutWorkflow += 1));
    }
    check(withoutWorkflow === 0, `every account has its activation workflow (${withoutWorkflow} without)`);

    // —— 2. Temporal stopped ——
    await connection.close();
    const before = newAccounts.length;
    await temporalServer.stop();
    log('Temporal stopped: 8 parallel creations, GET /me meanwhile');
    const meLatencies: number[] = [];
    let creating = true;
    const meLoop = (async () => {
      while (creating) {
        const t0 = performance.now();
        await (await fetch(`${base}/me`, { headers: auth })).arrayBuffer();
        meLatencies.push(performance.now() - t0);
        await sleep(100);
      }
    })();
    const creations = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const t0 = performance.now();
        const res = await create();
        await res.arrayBuffer();
        return { status: res.status, retryAfter: res.headers.get('retry-after'), seconds: (performance.now() - t0) / 1000 };
      }),
    );
    creating = false;
    await meLoop;
    const slowest = Math.max(...creations.map((c) => c.seconds));
    log(`  creations: ${creations.map((c) => `${c.status} in ${c.seconds.toFixed(1)} s`).join(', ')}`);
    log(`  GET /me meanwhile: ${meLatencies.length} calls, slowest ${Math.max(...meLatencies).toFixed(0)} ms, median ${meLatencies.sort((a, b) => a - b)[Math.floor(meLatencies.length / 2)]!.toFixed(0)} ms`);
    check(creations.every((c) => c.status === 503 && c.retryAfter !== null), 'every creation: 503 with Retry-After');
    check(slowest < 10, `creation fails fast (slowest ${slowest.toFixed(1)} s)`);
    check(Math.max(...meLatencies) < 1000, 'GET /me never waited for a creation (no connection held)');
    const after = (await database.db.select({ id: accounts.id }).from(accounts).where(eq(accounts.establishmentId, est.id))).length - 1;
    check(after === before, `nothing written while Temporal was down (${before} → ${after} accounts)`);

    temporalServer = await startTemporal();
    const t0 = performance.now();
    let again = 0;
    while (again !== 201 && performance.now() - t0 < 60_000) {
      again = (await create()).status;
      if (again !== 201) await sleep(1000);
    }
    check(again === 201, `Temporal back: creation works again after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    check(api.exitCode === null && worker.exitCode === null, 'the API and the worker processes are still running');
    log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    log(problems.length ? `FAILED: ${problems.join('; ')}` : 'passed');
    process.exitCode = problems.length ? 1 : 0;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
