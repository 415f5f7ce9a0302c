/**
 * Fuzzing run (`npm run fuzz`): Schemathesis (PyPI, installed into .tools/schemathesis, git-ignored)
 * against the real API served over HTTP on a stack of its own (PostgreSQL, Temporal dev server, mail
 * sink in a temporary folder, free ports). Every operation of /openapi.json, with a valid admin
 * session (and the operator token for /operator/*). Fails on any 5xx or any answer that does not
 * match its documented schema. Prints the requests the API served, by status, and the duration.
 *
 *   npm run fuzz                      # FUZZ_EXAMPLES=100 per operation (≥ 5,000 requests)
 *   FUZZ_EXAMPLES=300 npm run fuzz    # longer
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { systemClock } from '../../api/deps';
import { loadConfig } from '../../config/env';
import { createDatabase } from '../../db/client';
import { findFreePort } from '../../dev/ports';
import { configureLogging } from '../../logging/logger';
import { hashPassword } from '../../security/passwords';
import { insertAccount, insertEstablishment } from '../support/fixtures';
import { startLocalStack } from '../support/local-stack';

const ROOT = path.resolve(__dirname, '../..');
const VENV = path.join(ROOT, '.tools', 'schemathesis');
const SCHEMATHESIS = path.join(VENV, 'bin', 'schemathesis');
const SCHEMATHESIS_VERSION = '4.32.5';
const EXAMPLES = Number(process.env.FUZZ_EXAMPLES ?? 100);
const PASSWORD = 'Fuzz-Motdepasse-2026';
const OPERATOR_TOKEN = 'fuzz-operator-token-0123456789';
const log = (line: string) => console.log(`[fuzz] ${line}`);

function ensureSchemathesis() {
  if (existsSync(SCHEMATHESIS)) return;
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${path.relative(ROOT, VENV)}`);
  for (const [cmd, args] of [
    ['python3', ['-m', 'venv', VENV]],
    [path.join(VENV, 'bin', 'pip'), ['install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`]],
  ] as const) {
    const run = spawnSync(cmd, args, { stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
  }
}

function schemathesis(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(SCHEMATHESIS, ['run', ...args], { stdio: 'inherit', env: { ...process.env, SCHEMATHESIS_HOOKS: '' } });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main() {
  ensureSchemathesis();
  const root = await mkdtemp(path.join(os.tmpdir(), 'peps-fuzz-'));
  await chmod(root, 0o755); // as root, PostgreSQL runs as the postgres user, which must reach its data directory
  const closers: (() => Promise<unknown>)[] = [];
  const started = performance.now();
  try {
    const stack = await startLocalStack({ root, database: 'peps_fuzz' });
    closers.push(() => stack.stop());
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'fuzz',
      RESEND_BASE_URL: stack.mailSinkUrl,
      PUBLIC_BASE_URL: 'http://peps.fuzz',
      OPERATOR_TOKEN,
      DATA_DIR: root,
    });
    configureLogging({ level: 'error' }); // the API's own log lines would drown Schemathesis's report
    const database = createDatabase(config.database.url);
    closers.push(() => database.close());
    const connection = await Connection.connect({ address: config.temporal.address });
    closers.push(() => connection.close());
    const app = createApp({ db: database.db, temporal: new Client({ connection }), config, clock: systemClock });

    // What the API answered, counted on its side.
    const statuses = new Map<number, number>();
    const serverErrors: string[] = [];
    const port = await findFreePort();
    const server = serve({
      port,
      fetch: async (request) => {
        const response = await app.fetch(request);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status >= 500 && response.status !== 503) serverErrors.push(`${request.method} ${new URL(request.url).pathname} → ${response.status}`);
        return response;
      },
    });
    closers.push(() => new Promise((r) => server.close(r)));
    const base = `http://127.0.0.1:${port}`;

    const establishment = await insertEstablishment(database.db);
    const admin = await insertAccount(database.db, establishment.id, { profile: 'admin', passwordHash: await hashPassword(PASSWORD) });
    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ loginId: admin.loginId, password: PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    statuses.clear();

    const common = [
      `${base}/openapi.json`,
      '--checks',
      'not_a_server_error,response_schema_conformance',
      '--max-examples',
      String(EXAMPLES),
      '--workers',
      '2',
      '--seed',
      '20261123',
      '--request-timeout',
      '30',
      '--suppress-health-check',
      'all',
      '--continue-on-failure',
      '--warnings',
      'off',
    ];
    log(`API on ${base}, establishment ${establishment.id}; ${EXAMPLES} examples per operation`);
    // Logging out would end the session the run works with.
    const asAdmin = await schemathesis([...common, '-H', `Authorization: Bearer ${token}`, '--exclude-path-regex', '^/(operator/|auth/logout$)']);
    const asOperator = await schemathesis([...common, '-H', `Authorization: Bearer ${OPERATOR_TOKEN}`, '--include-path-regex', '^/operator/']);

    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    const byClass = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    log(`requests served: ${total} in ${((performance.now() - started) / 1000).toFixed(0)} s (load average ${os.loadavg()[0]!.toFixed(1)})`);
    log(`statuses: ${byClass}`);
    log(`5xx other than 503: ${serverErrors.length}${serverErrors.length ? ` — ${[...new Set(serverErrors)].slice(0, 20).join('; ')}` : ''}`);
    const failed = asAdmin !== 0 || asOperator !== 0 || serverErrors.length > 0 || total < 5000;
    if (total < 5000) log(`fewer than 5,000 requests: raise FUZZ_EXAMPLES`);
    log(failed ? 'FAILED' : 'passed');
    process.exitCode = failed ? 1 : 0;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
