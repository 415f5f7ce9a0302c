/**
 * Benchmark of the account-management API on a large establishment: `npm run bench`.
 *
 * A script that prints figures, not a test (it asserts nothing about speed). Self-contained like
 * test/support/global-setup.ts: an embedded PostgreSQL in a temporary directory (migrated), a
 * Temporal dev server (temporary SQLite file, the project's search attributes) and the mail sink,
 * then the real app from `createApp` with real dependencies. No worker: account creation starts its
 * activation workflow, which simply waits on its task queue.
 *
 * One establishment gets BENCH_ACCOUNTS accounts inserted straight into the database (default 2000,
 * a large hospital) with their rights and one history entry each, plus an admin with a known password.
 * Each operation is then called in-process through `app.request(...)`, one request at a time, so the
 * figures are the app and its SQL, not the network. An operation runs BENCH_ROUNDS rounds (default
 * 200; login: a handful, scrypt is deliberately slow) after a few uncounted warm-up rounds, and stops
 * early once it has used BENCH_MAX_SECONDS (default 20 s).
 *
 *   BENCH_ACCOUNTS=10000 BENCH_ROUNDS=100 npm run bench
 *
 * Everything started is stopped and the temporary directory removed, even on error or Ctrl-C.
 */
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { createApp } from '../../api/app';
import { systemClock } from '../../api/deps';
import { loadConfig } from '../../config/env';
import { createDatabase } from '../../db/client';
import { accountColumns, escapeLike } from '../../db/queries/accounts';
import { listServiceCodes } from '../../db/queries/services';
import { accountRights, accounts, auditEvents, type NewAccount } from '../../db/schema';
import type { RightLevel } from '../../domain/account';
import { addDays, addMonths, parisDay, parisMidnight } from '../../domain/dates';
import { loginIdFor } from '../../domain/login-id';
import { foldForSearch } from '../../domain/text';
import { hashPassword } from '../../security/passwords';
import { insertEstablishment } from '../support/fixtures';
import { startLocalStack } from '../support/local-stack';

// ---------------------------------------------------------------------------------------------------
// Settings

function intFromEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} doit être un entier ≥ ${min} (reçu « ${raw} »)`);
  return value;
}

const ACCOUNT_COUNT = intFromEnv('BENCH_ACCOUNTS', 2000);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 200);
const LOGIN_ROUNDS = Math.min(ROUNDS, intFromEnv('BENCH_LOGIN_ROUNDS', 10));
const WARMUP_ROUNDS = intFromEnv('BENCH_WARMUP', 3, 0);
const MAX_SECONDS_PER_OPERATION = intFromEnv('BENCH_MAX_SECONDS', 20);
const ADMIN_PASSWORD = 'Banc-Essai-2026';
const PAGE_SIZE = 25;
const FAR_PAGE = 40;

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

// ---------------------------------------------------------------------------------------------------
// Data: deterministic (seeded PRNG) so that two runs with the same N are comparable

function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}

const FEMALE_FIRST_NAMES = [
  'Céline', 'Hélène', 'Amélie', 'Françoise', 'Noémie', 'Anaïs', 'Zoé', 'Chloé', 'Séverine', 'Émilie',
  'Marie-Thérèse', 'Gaëlle', 'Maëlle', 'Léa', 'Inès', 'Cécile', 'Agnès', 'Aurélie', 'Valérie', 'Océane',
  'Lætitia', 'Nathalie', 'Isabelle', 'Sandrine', 'Sophie', 'Camille', 'Manon', 'Marceline', 'Josiane', 'Géraldine',
  'Bérénice', 'Héloïse', 'Mélanie', 'Stéphanie', 'Élodie', 'Christèle', 'Maïwenn', 'Solène', 'Danièle', 'Rosalie',
];
const MALE_FIRST_NAMES = [
  'Jérôme', 'Frédéric', 'Benoît', 'Loïc', 'Clément', 'Grégoire', 'Stéphane', 'Éric', 'Jean-François', 'Joël',
  'Raphaël', 'Mathéo', 'Sébastien', 'Noël', 'André', 'Gaël', 'Hervé', 'Thierry', 'Nicolas', 'Julien',
  'François', 'Jean', 'Pierre', 'Yannick', 'Rémi', 'Cédric', 'Aurélien', 'Valentin', 'Maël', 'Timothée',
];
const LAST_NAMES = [
  'Lefèvre', 'Dupré', 'Gérard', 'Mercier', 'Lemaître', 'Chevalier', 'Fournier', 'Girard', 'Bonnet', 'Dupont',
  'Lambert', 'Fontaine', 'Rousseau', 'Vincent', 'Évrard', 'Péron', 'Thébault', 'Ménard', 'Prévost', 'Lebœuf',
  'Bénard', 'Hervé', 'Léger', 'Rivière', 'Hébert', 'Séguin', 'Gauthier', 'Perrin', 'Morel', 'Garnier',
  'Faure', 'André', 'Mathieu', 'Clément', 'Barbier', 'Brunet', 'Le Goff', 'Kerjean', 'Nguyen', 'Ben Saïd',
  "D'Aubigné", 'Lévêque', 'Bréhéret', 'Cœurdacier', 'Duchêne', 'Forêt', 'Lacôte', 'Müller', 'Da Silva', 'Marchand',
  'Guérin', 'Boyer', 'Roux', 'Blanchard', 'Poirier', 'Hamon', 'Pichon', 'Maréchal', 'Gilles', 'Carré',
];
const SERVICES: readonly (string | null)[] = [
  'Direction des ressources humaines',
  'Ressources humaines – paie et carrières',
  'Ressources Humaines – retraites',
  'Direction des affaires médicales',
  'Direction des soins',
  'Urgences',
  'Bloc opératoire',
  'Cardiologie',
  'Pédiatrie',
  'Maternité',
  'Radiologie',
  'Laboratoire de biologie médicale',
  'Pharmacie à usage intérieur',
  'Gériatrie – EHPAD Les Tilleuls',
  'Direction financière',
  'Services économiques et logistiques',
  'Services techniques',
  'Cuisine centrale',
  'Blanchisserie',
  'Secrétariat médical',
  null,
  null,
];
const PROFESSIONAL_ADDRESS = ['Centre hospitalier de Banc-d’Essai', 'Direction des ressources humaines', '1 avenue de l’Hôpital', '44000 NANTES'];

/** Inserts in chunks: PostgreSQL takes at most 65,535 parameters per statement. */
async function inChunks<T>(rows: T[], size: number, insert: (chunk: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

function emailPart(text: string) {
  return foldForSearch(text).replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

interface Seeded {
  establishmentId: string;
  adminLoginId: string;
  /** Non-deleted, non-expired seeded accounts: the ones GET one account reads. */
  visibleAccountIds: string[];
  storedStatuses: Record<string, number>;
}

async function seed(db: ReturnType<typeof createDatabase>['db'], count: number): Promise<Seeded> {
  const rand = prng(20260318);
  const now = new Date();
  const today = parisDay(now);
  const codes = await listServiceCodes(db);
  const establishment = await insertEstablishment(db, {
    name: 'CENTRE HOSPITALIER DE BANC-D’ESSAI',
    legalRepCivility: 'madame',
    legalRepLastName: 'Hénaff',
    legalRepFirstName: 'Sylvie',
    legalRepTitle: 'Directrice',
    legalRepAddress: ['Centre hospitalier de Banc-d’Essai', '1 avenue de l’Hôpital', '44000 NANTES'],
    defaultRights: Object.fromEntries(codes.map((code) => [code, 'read' as const])),
  });
  // Hashed once: every active account shares it (only the admin logs in).
  const [adminHash, someoneHash] = await Promise.all([hashPassword(ADMIN_PASSWORD), hashPassword(`Autre-${randomUUID()}`)]);

  const seqRows = (await db.execute(
    sql`select nextval('login_id_seq')::int as seq from generate_series(1, ${count + 1})`,
  )) as unknown as { seq: number }[];
  const seqs = seqRows.map((r) => r.seq);

  const rows: NewAccount[] = [];
  const storedStatuses: Record<string, number> = {};
  for (let i = 0; i <= count; i++) {
    const isBenchAdmin = i === 0;
    const female = rand.chance(0.7); // hospitals employ mostly women
    const civility = female ? 'madame' : 'monsieur';
    const firstName = isBenchAdmin ? 'Béatrice' : rand.pick(female ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES);
    const lastName = isBenchAdmin ? 'Administratrice' : rand.pick(LAST_NAMES);
    const serviceFunction = isBenchAdmin ? 'Direction des ressources humaines' : rand.pick(SERVICES);
    const profile = isBenchAdmin || rand.chance(0.03) ? 'admin' : 'user';
    // Stored status: mostly active, some waiting for activation, a few deleted (kept for the history).
    const roll = rand.next();
    const status = isBenchAdmin ? 'active' : roll < 0.78 ? 'active' : roll < 0.94 ? 'pending_activation' : 'deleted';
    // Expiry: within the next 18 months, ~10 % already past (« Expiré »).
    const expiresOn = isBenchAdmin
      ? addMonths(today, 18)
      : rand.chance(0.1)
        ? addDays(today, -rand.int(1, 400))
        : addDays(today, rand.int(0, 547));
    const createdAt = parisMidnight(addMonths(expiresOn, -18));
    const blocked = status === 'active' && !isBenchAdmin && rand.chance(0.02);
    const admin = profile === 'admin';
    storedStatuses[status] = (storedStatuses[status] ?? 0) + 1;
    rows.push({
      establishmentId: establishment.id,
      loginId: loginIdFor(firstName, lastName, seqs[i]!),
      profile,
      civility,
      firstName,
      lastName,
      email: `${emailPart(firstName)}.${emailPart(lastName)}.${i}@ch-banc-essai.fr`,
      phone: rand.chance(0.6) ? `0${rand.int(1, 5)}${String(rand.int(0, 99_999_999)).padStart(8, '0')}` : null,
      serviceFunction,
      professionalAddress: admin ? PROFESSIONAL_ADDRESS : null,
      status,
      expiresOn,
      passwordHash: isBenchAdmin ? adminHash : status === 'pending_activation' ? null : someoneHash,
      passwordChangedAt: status === 'pending_activation' ? null : createdAt,
      failedLoginCount: blocked ? 5 : 0,
      blockedUntil: blocked ? new Date(now.getTime() + 20 * 60_000) : null,
      lastLoginAt: status === 'active' && rand.chance(0.8) ? new Date(now.getTime() - rand.int(1, 90) * 86_400_000) : null,
      adminSince: admin ? createdAt : null,
      activationLinkExpiresAt:
        status === 'pending_activation' ? new Date(now.getTime() + rand.int(-20, 14) * 86_400_000) : null,
      searchText: foldForSearch(`${lastName} ${firstName} ${serviceFunction ?? ''}`),
      createdAt,
      updatedAt: createdAt,
      deletedAt: status === 'deleted' ? now : null,
    });
  }

  const inserted: { id: string; loginId: string; status: string; expiresOn: string }[] = [];
  await inChunks(rows, 1000, async (chunk) => {
    inserted.push(
      ...(await db
        .insert(accounts)
        .values(chunk)
        .returning({ id: accounts.id, loginId: accounts.loginId, status: accounts.status, expiresOn: accounts.expiresOn })),
    );
  });
  const admin = inserted[0]!;

  // One row per account and service, like an account created through the API.
  const levels: RightLevel[] = ['read', 'read', 'write', 'none'];
  const rightRows = inserted.flatMap((a, i) =>
    codes.map((serviceCode) => ({ accountId: a.id, serviceCode, level: i === 0 ? ('write' as const) : rand.pick(levels) })),
  );
  await inChunks(rightRows, 5000, (chunk) => db.insert(accountRights).values(chunk));

  // The creation of each account in the history, oldest first, as the admin did it.
  const auditRows = inserted
    .map((a, i) => ({ a, row: rows[i]! }))
    .sort((x, y) => x.row.createdAt!.getTime() - y.row.createdAt!.getTime())
    .map(({ a, row }) => ({
      at: row.createdAt!,
      requestId: randomUUID(),
      actorType: 'account' as const,
      actorAccountId: admin.id,
      actorLabel: admin.loginId,
      actorEstablishmentId: establishment.id,
      establishmentId: establishment.id,
      targetAccountId: a.id,
      action: 'account.create',
      outcome: 'success' as const,
      after: {
        loginId: a.loginId,
        profile: row.profile,
        civility: row.civility,
        lastName: row.lastName,
        firstName: row.firstName,
        email: row.email,
        phone: row.phone,
        serviceFunction: row.serviceFunction,
        status: 'pending_activation',
        expiresOn: row.expiresOn,
        rights: Object.fromEntries(codes.map((code) => [code, 'read'])),
      },
    }));
  await inChunks(auditRows, 1000, (chunk) => db.insert(auditEvents).values(chunk));
  await db.execute(sql`analyze`);

  return {
    establishmentId: establishment.id,
    adminLoginId: admin.loginId,
    visibleAccountIds: inserted.filter((a) => a.status !== 'deleted' && a.expiresOn >= today).map((a) => a.id),
    storedStatuses,
  };
}

// ---------------------------------------------------------------------------------------------------
// Measuring

interface Result {
  operation: string;
  rounds: number;
  p50: number;
  p95: number;
  max: number;
  reqPerSecond: number;
  /** From pg_stat_statements over the counted rounds: statements run and their execution time, per request. */
  sql?: { statements: number; ms: number };
  note: string;
}

/** Server-side SQL figures (pg_stat_statements). */
interface SqlStats {
  reset(): Promise<void>;
  read(): Promise<{ statements: number; ms: number }>;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function measure(
  stats: SqlStats | null,
  operation: string,
  rounds: number,
  /** One request; may return a description of its result, computed after the clock stops. */
  call: (round: number) => Promise<(() => string) | void>,
): Promise<Result> {
  for (let i = 0; i < Math.min(WARMUP_ROUNDS, rounds); i++) await call(-1 - i);
  await stats?.reset();
  const times: number[] = [];
  let describe: (() => string) | void = undefined;
  const deadline = performance.now() + MAX_SECONDS_PER_OPERATION * 1000;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const described = await call(i);
    times.push(performance.now() - t0);
    if (described) describe = described;
    if (performance.now() > deadline && times.length >= 5) break;
  }
  const elapsed = performance.now() - started;
  const sqlTotals = await stats?.read();
  const sorted = [...times].sort((a, b) => a - b);
  const result: Result = {
    operation,
    rounds: times.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted[sorted.length - 1]!,
    reqPerSecond: times.length / (elapsed / 1000),
    sql: sqlTotals && { statements: sqlTotals.statements / times.length, ms: sqlTotals.ms / times.length },
    note: describe ? describe() : '',
  };
  log(`${operation}: p50 ${result.p50.toFixed(1)} ms (${result.rounds} rounds)`);
  return result;
}

function printTable(results: Result[]) {
  const header = ['operation', 'rounds', 'p50 ms', 'p95 ms', 'max ms', 'req/s', 'SQL/req', 'SQL ms/req', 'result'];
  const lines = results.map((r) => [
    r.operation,
    String(r.rounds),
    r.p50.toFixed(1),
    r.p95.toFixed(1),
    r.max.toFixed(1),
    r.reqPerSecond.toFixed(1),
    r.sql ? r.sql.statements.toFixed(1) : '-',
    r.sql ? r.sql.ms.toFixed(1) : '-',
    r.note,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const numeric = (i: number) => i >= 1 && i <= 7;
  const format = (cells: string[]) =>
    cells.map((c, i) => (numeric(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
}

async function sqlStats(client: ReturnType<typeof createDatabase>['client']): Promise<SqlStats | null> {
  try {
    await client`create extension if not exists pg_stat_statements`;
  } catch (error) {
    log(`pg_stat_statements unavailable, no SQL columns: ${String(error)}`);
    return null;
  }
  return {
    async reset() {
      await client`select pg_stat_statements_reset()`;
    },
    async read() {
      const [row] = await client<{ statements: number; ms: number }[]>`
        select coalesce(sum(calls), 0)::float8 as statements, coalesce(sum(total_exec_time), 0)::float8 as ms
        from pg_stat_statements
        where dbid = (select oid from pg_database where datname = current_database())
          and query not ilike '%pg_stat_statements%'`;
      return row ?? { statements: 0, ms: 0 };
    },
  };
}

// ---------------------------------------------------------------------------------------------------

async function main() {
  const root = await mkdtemp(path.join(os.tmpdir(), 'peps-bench-'));
  await chmod(root, 0o755); // as root, PostgreSQL runs as the postgres user, which must reach its data directory
  const closers: (() => Promise<unknown>)[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const close of closers.reverse()) {
        await close().catch((error) => log(`cleanup: ${String(error)}`));
      }
      await rm(root, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping everything`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    log(`starting PostgreSQL, Temporal dev server and mail sink in ${root}`);
    const t0 = performance.now();
    const stack = await startLocalStack({
      root,
      database: 'peps_bench',
      // Per-operation SQL figures; top-level statements only (those the app sends).
      postgresFlags: ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track=top'],
    });
    closers.push(() => stack.stop());
    log(`stack ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: `bench-${randomUUID()}`,
      RESEND_BASE_URL: stack.mailSinkUrl,
      PUBLIC_BASE_URL: 'http://peps.bench',
      DATA_DIR: root,
    });
    const database = createDatabase(config.database.url);
    closers.push(() => database.close());
    const connection = await Connection.connect({ address: config.temporal.address });
    closers.push(() => connection.close());
    const temporal = new Client({ connection, namespace: config.temporal.namespace });
    const app = createApp({ db: database.db, temporal, config, clock: systemClock });
    const stats = await sqlStats(database.client);

    const t1 = performance.now();
    log(`seeding ${ACCOUNT_COUNT} accounts`);
    const seeded = await seed(database.db, ACCOUNT_COUNT);
    log(`seeded in ${((performance.now() - t1) / 1000).toFixed(1)} s (stored statuses ${JSON.stringify(seeded.storedStatuses)})`);

    const base = `/establishments/${seeded.establishmentId}`;
    const call = async (method: string, url: string, opts: { token?: string; body?: unknown; expect?: number } = {}) => {
      const headers: Record<string, string> = {};
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      const response = await app.request(url, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
      const body = Buffer.from(await response.arrayBuffer()); // the body is part of the work: read it whole
      const expected = opts.expect ?? 200;
      if (response.status !== expected) {
        throw new Error(`${method} ${url}: ${response.status} (expected ${expected}) ${body.toString('utf8', 0, 500)}`);
      }
      return body;
    };
    const json = async (method: string, url: string, opts: { token?: string; body?: unknown; expect?: number } = {}) =>
      JSON.parse((await call(method, url, opts)).toString('utf8')) as any;

    const results: Result[] = [];
    let token = '';
    results.push(
      await measure(stats, 'POST /auth/login', LOGIN_ROUNDS, async () => {
        const body = await json('POST', '/auth/login', { body: { loginId: seeded.adminLoginId, password: ADMIN_PASSWORD } });
        token = body.token;
        return () => 'scrypt N=2^15 by design';
      }),
    );
    const list = (query: string) => async () => {
      const body = await json('GET', `${base}/accounts?${query}`, { token });
      return () => `total ${body.total}, ${body.items.length} items`;
    };
    results.push(await measure(stats, 'list page 1 (25)', ROUNDS, list(`pageSize=${PAGE_SIZE}`)));
    results.push(await measure(stats, 'list q=celine', ROUNDS, list('q=celine')));
    results.push(await measure(stats, 'list q=ressources', ROUNDS, list('q=ressources')));
    results.push(
      await measure(stats, 'list groupBy=status', ROUNDS, async () => {
        const body = await json('GET', `${base}/accounts?groupBy=status`, { token });
        return () => (body.groups as { key: string; count: number }[]).map((g) => `${g.key} ${g.count}`).join(', ');
      }),
    );
    results.push(await measure(stats, `list page ${FAR_PAGE} (25)`, ROUNDS, list(`page=${FAR_PAGE}&pageSize=${PAGE_SIZE}`)));
    results.push(
      await measure(stats, 'export.csv (all)', ROUNDS, async () => {
        const csv = await call('GET', `${base}/accounts/export.csv`, { token });
        return () => `${csv.toString('utf8').split('\r\n').length - 2} rows, ${(csv.length / 1024).toFixed(0)} KiB`;
      }),
    );
    results.push(
      await measure(stats, 'POST accounts (create)', ROUNDS, async (round) => {
        const email = `nouvelle.recrue.${randomUUID()}@ch-banc-essai.fr`;
        const body = await json('POST', `${base}/accounts`, {
          token,
          expect: 201,
          body: {
            profile: 'user',
            civility: 'madame',
            lastName: 'Lefèvre-Nouvel',
            firstName: round % 2 ? 'Jérôme' : 'Anaïs', // no Céline: the searches' figures stay those of the seed
            email,
            emailConfirmation: email,
            phone: '0240123456',
            serviceFunction: 'Ressources humaines – recrutement',
            rights: { 'affiliation-cnracl': 'write', 'validations-periodes-cnracl': 'read' },
          },
        });
        return () => `last ${body.loginId} (+ its activation workflow)`;
      }),
    );
    const ids = seeded.visibleAccountIds;
    results.push(
      await measure(stats, 'GET one account', ROUNDS, async (round) => {
        const id = ids[(round + ids.length) % ids.length]!;
        const body = await json('GET', `${base}/accounts/${id}`, { token });
        return () => `e.g. ${body.loginId}`;
      }),
    );
    results.push(
      await measure(stats, 'GET /history (25)', ROUNDS, async () => {
        const body = await json('GET', `${base}/history`, { token });
        return () => `total ${body.total}`;
      }),
    );

    // Plans of the list and history queries, mirroring db/queries/accounts.ts (listAccounts: page, then
    // count) and db/queries/history.ts (listHistory), same columns, filters and order.
    const listColumns = accountColumns(parisDay(new Date()), new Date());
    const target = alias(accounts, 'target');
    const explain = async (title: string, q: { toSQL(): { sql: string; params: unknown[] } }) => {
      const { sql: text, params } = q.toSQL();
      const rows = await database.client.unsafe(`explain (analyze, buffers) ${text}`, params as never[]);
      return `${title}\n${rows.map((r) => `    ${String(r['QUERY PLAN'])}`).join('\n')}`;
    };
    const searchWhere = and(
      eq(accounts.establishmentId, seeded.establishmentId),
      ne(accounts.status, 'deleted'),
      sql`${accounts.searchText} like ${`%${escapeLike('celine')}%`} escape '\\'`,
    );
    const plans = [
      await explain(
        'list q=celine, page 1:',
        database.db
          .select(listColumns)
          .from(accounts)
          .where(searchWhere)
          .orderBy(asc(accounts.searchText), asc(accounts.id))
          .limit(PAGE_SIZE),
      ),
      await explain(
        'list q=celine, count:',
        database.db.select({ total: sql<number>`count(*)::int` }).from(accounts).where(searchWhere),
      ),
      await explain(
        `list page ${FAR_PAGE}:`,
        database.db
          .select(listColumns)
          .from(accounts)
          .where(and(eq(accounts.establishmentId, seeded.establishmentId), ne(accounts.status, 'deleted')))
          .orderBy(asc(accounts.searchText), asc(accounts.id))
          .limit(PAGE_SIZE)
          .offset((FAR_PAGE - 1) * PAGE_SIZE),
      ),
      await explain(
        'history, page 1:',
        database.db
          .select({ id: auditEvents.id, at: auditEvents.at, action: auditEvents.action, targetLoginId: target.loginId, after: auditEvents.after })
          .from(auditEvents)
          .leftJoin(target, eq(target.id, auditEvents.targetAccountId))
          .where(eq(auditEvents.establishmentId, seeded.establishmentId))
          .orderBy(desc(auditEvents.id))
          .limit(PAGE_SIZE),
      ),
      await explain(
        'history, count:',
        database.db
          .select({ total: sql<number>`count(*)::int` })
          .from(auditEvents)
          .where(eq(auditEvents.establishmentId, seeded.establishmentId)),
      ),
    ];
    const [{ version }] = (await database.db.execute(sql`select current_setting('server_version') as version`)) as unknown as [
      { version: string },
    ];

    const cpus = os.cpus();
    console.log('');
    console.log(`PEP's accounts benchmark — ${new Date().toISOString()}`);
    console.log(
      `machine: ${cpus.length} × ${cpus[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}; ` +
        `node ${process.version}; PostgreSQL ${version} (embedded)`,
    );
    console.log(
      `data: 1 establishment, ${ACCOUNT_COUNT} accounts + 1 admin (stored: ${Object.entries(seeded.storedStatuses)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}), ${ACCOUNT_COUNT + 1} history entries`,
    );
    console.log(
      `in-process app.request, one request at a time; ${WARMUP_ROUNDS} warm-up rounds; ` +
        `at most ${ROUNDS} rounds (login ${LOGIN_ROUNDS}) or ${MAX_SECONDS_PER_OPERATION} s per operation`,
    );
    console.log(
      stats
        ? 'SQL/req, SQL ms/req: statements per request (BEGIN/COMMIT included) and their execution time inside PostgreSQL (pg_stat_statements; planning and round trips excluded)'
        : 'SQL/req, SQL ms/req: not available (pg_stat_statements could not be loaded)',
    );
    console.log('');
    printTable(results);
    console.log('');
    console.log('EXPLAIN (ANALYZE, BUFFERS) of mirrors of the list and history queries, after the runs above:');
    for (const plan of plans) console.log(plan);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    log('stopping');
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
