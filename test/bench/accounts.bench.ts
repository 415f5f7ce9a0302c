/**
 * Benchmark of the account-management API at the platform's scale (issue 13): `npm run bench`.
 *
 * A script that prints figures, not a test (it asserts nothing about speed). Self-contained like
 * test/support/global-setup.ts: an embedded PostgreSQL in a temporary directory (migrated), a
 * Temporal dev server (temporary SQLite file, the project's search attributes) and the mail sink,
 * then the real app from `createApp` with real dependencies, called in-process (`app.request`).
 *
 * One establishment gets BENCH_ACCOUNTS accounts inserted straight into the database (default
 * 100,000) with their rights and one history entry each, plus an admin with a known password.
 * Every figure is printed beside its raw limit measured in the same run, interleaved (the machine is
 * shared: the ratios are what count):
 * - lists, searches, filters, groups, first/middle/last page by number and deep pages by cursor
 *   (`after`): the API against the same query layer called directly (no HTTP, session, JSON);
 *   BENCH_ROUNDS rounds (default 100), app and raw alternating;
 * - the CSV export against `COPY … TO STDOUT` of the same rows, with the API process's memory growth;
 * - account creation (BENCH_CREATE, default 200, at concurrency 8 then 1) against the bare start of
 *   the same workflow, batches alternating (BENCH_CREATE=0 skips it and the worker's figures below),
 *   with the CPU each creation and each bare start cost by process (the in-process API counts as the
 *   bench's); BENCH_CREATE_CPU_PROF=<file.cpuprofile>: a V8 CPU profile of the first batch of
 *   creations at concurrency 8 (this process only);
 * - then, with the worker (its own process, test/bench/worker-figures.ts): the drain of a burst of
 *   BENCH_DRAIN_EMAILS creations (default 300) beside the raw sink rate;
 * - the bulk renewal of BENCH_RENEW_ACCOUNTS accounts of the establishment (default 10,000; 0 skips it),
 *   their validity workflows opened first as the reconcile opens them: the request through the app, its
 *   report checked, until every validity workflow shows the new expiry (test/bench/bulk-renewal.ts), beside
 *   the same set-based UPDATE alone, before and after it;
 * - the worker's resident memory with the workflows open on its queue grown to each of BENCH_OPEN_WORKFLOWS
 *   (default `20000,100000`; one size, or 0 for none), sampled once every first task ran (at most
 *   BENCH_OPEN_WAIT_MINUTES after the last start, default 90: on a busy machine the worker runs the first
 *   tasks slower than the dev server takes the starts), beside the same worker idle.
 * One final table: every figure of issue 13's goals, its raw limit, the goal and met / NOT met; the load
 * average at the start and at the end. The full default run takes 45–60 min on the 2-core machine, most
 * of it opening 100,000 workflows on the dev server.
 *
 * BENCH_SHORT=1, for quick A/B runs: no renewal and no open workflows unless their variables ask
 * (lists, export, creation and drain as above). BENCH_CREATE=0: lists and export only (no creation, no
 * worker: no drain, renewal or memory figures).
 *
 *   BENCH_ACCOUNTS=20000 BENCH_ROUNDS=50 BENCH_OPEN_WORKFLOWS=2000 npm run bench
 *
 * Everything started is stopped and the temporary directory removed, even on error or Ctrl-C.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { startActivation } from '../../accounts/lifecycles';
import { createApp } from '../../api/app';
import { systemClock } from '../../api/deps';
import type { createDatabase } from '../../db/client';
import { listAccounts, listPosition } from '../../db/queries/accounts';
import { encodeCursor } from '../../api/schemas/accounts';
import { listServiceCodes } from '../../db/queries/services';
import { accountRights, accounts, auditEvents, type NewAccount } from '../../db/schema';
import { addDays, addMonths, expiryFrom, parisDay, parisMidnight } from '../../domain/dates';
import { loginIdFor } from '../../domain/login-id';
import { foldForSearch } from '../../domain/text';
import { hashPassword } from '../../security/passwords';
import { insertEstablishment } from '../support/fixtures';
import { type BenchStack, benchLogger, cpuByPart, intFromEnv, mb, type Part, rssOf, runBench, runConcurrently, sizesFromEnv, type Timing, timing } from './bench-stack';
import { renewThroughApi, setBasedUpdateAlone } from './bulk-renewal';
import { atLeast, atMost, type Row, tableLines } from './summary';
import {
  cpuPerEmailLine,
  firstTasksDone,
  measureDrain,
  measureOpenWorkflows,
  openOnQueue,
  openStepRow,
  openValidityWorkflows,
  rssSampler,
  type RunningWorker,
  type SeededAccount,
  workerRows,
  workerSettingsLine,
} from './worker-figures';

// ---------------------------------------------------------------------------------------------------
// Settings

const ACCOUNT_COUNT = intFromEnv('BENCH_ACCOUNTS', 100_000);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 100);
const WARMUP_ROUNDS = intFromEnv('BENCH_WARMUP', 3, 0);
const MAX_SECONDS_PER_OPERATION = intFromEnv('BENCH_MAX_SECONDS', 20);
const ADMIN_PASSWORD = 'Banc-Essai-2026';
const PAGE_SIZE = 25;
const FAR_PAGE = 40;
const SHORT = process.env.BENCH_SHORT === '1';
const RENEW_COUNT = intFromEnv('BENCH_RENEW_ACCOUNTS', SHORT ? 0 : 10_000, 0);
const OPEN_SIZES = sizesFromEnv('BENCH_OPEN_WORKFLOWS', SHORT ? [] : [20_000, 100_000]);
const OPEN_WAIT_MINUTES = intFromEnv('BENCH_OPEN_WAIT_MINUTES', 90);

const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' / ');
const loadAtStart = loadAverage();

const log = benchLogger('accounts');

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
  siret: string;
  adminLoginId: string;
  /** Non-deleted seeded accounts: the ones the list shows. */
  visibleCount: number;
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
  // One set-based statement: 16 rows per account (1.6 million at 100,000) would take minutes from here.
  await db.execute(sql`
    insert into ${accountRights} (account_id, service_code, level)
    select a.id, s.code, case when a.id = ${admin.id} then 'write'::right_level
                              else (array['read', 'read', 'write', 'none'])[1 + (hashtext(a.id::text || s.code) & 3)]::right_level end
    from ${accounts} a cross join services s
    where a.establishment_id = ${establishment.id}`);

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
    siret: establishment.siret,
    adminLoginId: admin.loginId,
    visibleCount: inserted.filter((a) => a.status !== 'deleted').length,
    storedStatuses,
  };
}

// ---------------------------------------------------------------------------------------------------
// Measuring: each figure of the app beside its raw limit, measured in the same run, interleaved

const ms = (value: number) => `${value.toFixed(1)} ms`;

/**
 * One request of the app and one of its raw limit per round, in alternating order (the machine's
 * load weighs on both alike), after a few uncounted warm-up rounds.
 */
async function measurePair(
  rounds: number,
  app: (round: number) => Promise<(() => string) | void>,
  raw: (round: number) => Promise<unknown>,
): Promise<{ app: Timing; raw: Timing; note: string }> {
  for (let i = 0; i < WARMUP_ROUNDS; i++) {
    await app(-1 - i);
    await raw(-1 - i);
  }
  const appTimes: number[] = [];
  const rawTimes: number[] = [];
  let describe: (() => string) | undefined;
  const deadline = performance.now() + MAX_SECONDS_PER_OPERATION * 1000;
  for (let i = 0; i < rounds; i++) {
    const runApp = async () => {
      const t0 = performance.now();
      const described = await app(i);
      appTimes.push(performance.now() - t0);
      if (typeof described === 'function') describe = described;
    };
    const runRaw = async () => {
      const t0 = performance.now();
      await raw(i);
      rawTimes.push(performance.now() - t0);
    };
    if (i % 2 === 0) {
      await runApp();
      await runRaw();
    } else {
      await runRaw();
      await runApp();
    }
    if (performance.now() > deadline && appTimes.length >= 10) break;
  }
  return { app: timing(appTimes), raw: timing(rawTimes), note: describe ? describe() : '' };
}

/** Peak resident memory of this process above its level at the start, while `work` runs. */
async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growthMb: number }> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growthMb: (peak - before) / 2 ** 20 };
  } finally {
    clearInterval(sampler);
  }
}

/** CPU by process (bench-stack's parts) summed over the calls made inside `during`. */
function cpuTally(bench: BenchStack) {
  const spent: Partial<Record<Part, number>> = {};
  return {
    async during<T>(work: () => Promise<T>): Promise<T> {
      const before = await cpuByPart(bench);
      const result = await work();
      const after = await cpuByPart(bench);
      for (const part of Object.keys(after) as Part[]) spent[part] = (spent[part] ?? 0) + after[part] - before[part];
      return result;
    },
    perCall: (calls: number) =>
      `${(['Temporal', 'PostgreSQL', 'sink and bench'] as const).map((part) => `${part === 'sink and bench' ? 'API and bench' : part} ${((spent[part] ?? 0) / calls).toFixed(1)} ms`).join(', ')}`,
  };
}

/** With `file`, a V8 CPU profile of this process (the in-process API) while `work` runs, written there. */
async function cpuProfiled<T>(file: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!file) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
    log(`CPU profile of the creations written to ${file}`);
  }
}

// ---------------------------------------------------------------------------------------------------

runBench('accounts', async (bench) => {
  const { stack, config, database, temporal } = bench;
  const app = createApp({ db: database.db, temporal, config, clock: systemClock });

  const t1 = performance.now();
  log(`seeding ${ACCOUNT_COUNT} accounts`);
  const seeded = await seed(database.db, ACCOUNT_COUNT);
  // As autovacuum would have done on a table of that age (visibility map: index-only scans).
  await database.db.execute(sql`vacuum analyze`);
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

  const rows: Row[] = [];
  const { token } = await json('POST', '/auth/login', { body: { loginId: seeded.adminLoginId, password: ADMIN_PASSWORD } });

  // Lists: the API (routing, access, session, JSON) against the query layer alone (the statements
  // the API runs, straight on the driver).
  const lastPage = Math.ceil(seeded.visibleCount / PAGE_SIZE);
  const middlePage = Math.ceil(lastPage / 2);
  const clockNow = () => {
    const now = new Date();
    return { establishmentId: seeded.establishmentId, today: parisDay(now), now };
  };
  // A deep page by cursor: the cursor the page before it gives (nextCursor), as a client walking the list holds it.
  const cursorBefore = async (page: number) => (await listAccounts(database.db, { ...clockNow(), page: page - 1, pageSize: PAGE_SIZE })).next!;
  const byCursor = async (page: number) => {
    const accountId = await cursorBefore(page);
    return {
      operation: `list page ${page} by cursor`,
      query: `after=${encodeCursor(accountId)}`,
      filters: {},
      // The API's two statements: where the cursor's account stands, then the page after it.
      raw: async () => {
        const after = await listPosition(database.db, clockNow(), accountId);
        return listAccounts(database.db, { ...clockNow(), page: 1, pageSize: PAGE_SIZE, after });
      },
    };
  };
  const lists: { operation: string; query: string; filters: Record<string, unknown>; raw?: () => Promise<unknown> }[] = [
    { operation: 'list page 1 (25)', query: '', filters: {} },
    { operation: 'list q=celine', query: 'q=celine', filters: { q: 'celine' } },
    { operation: 'list q=ressources', query: 'q=ressources', filters: { q: 'ressources' } },
    { operation: 'list q=ressources celine', query: 'q=ressources%20celine', filters: { q: 'ressources celine' } },
    // Prefixes as typed: a rare one, and one that a frequent word contains.
    { operation: 'list q=lef', query: 'q=lef', filters: { q: 'lef' } },
    { operation: 'list q=ress', query: 'q=ress', filters: { q: 'ress' } },
    { operation: 'list status=blocked', query: 'status=blocked', filters: { status: 'blocked' } },
    { operation: 'list profile=admin', query: 'profile=admin', filters: { profile: 'admin' } },
    { operation: 'list groupBy=status', query: 'groupBy=status', filters: { groupBy: 'status' } },
    { operation: 'list groupBy=expiryMonth', query: 'groupBy=expiryMonth', filters: { groupBy: 'expiryMonth' } },
    { operation: `list page ${FAR_PAGE}`, query: `page=${FAR_PAGE}`, filters: { page: FAR_PAGE } },
    { operation: `list page ${middlePage} (middle)`, query: `page=${middlePage}`, filters: { page: middlePage } },
    { operation: `list page ${lastPage} (last)`, query: `page=${lastPage}`, filters: { page: lastPage } },
    await byCursor(middlePage),
    await byCursor(lastPage),
  ];
  for (const list of lists) {
    log(list.operation);
    const measured = await measurePair(
      ROUNDS,
      async () => {
        const body = await json('GET', `${base}/accounts?pageSize=${PAGE_SIZE}&${list.query}`, { token });
        return () => `total ${body.total}, ${body.items.length} items${body.groups ? `, ${body.groups.length} groups` : ''}`;
      },
      () =>
        list.raw
          ? list.raw()
          : listAccounts(database.db, { ...clockNow(), page: 1, pageSize: PAGE_SIZE, ...list.filters } as Parameters<typeof listAccounts>[1]),
    );
    rows.push({
      operation: list.operation,
      app: `p50 ${ms(measured.app.p50)}, p95 ${ms(measured.app.p95)}`,
      rawLabel: 'same queries, no HTTP',
      raw: `p95 ${ms(measured.raw.p95)}`,
      ratio: `${(measured.app.p95 / measured.raw.p95).toFixed(2)} ×`,
      goal: 'p95 ≤ 15 ms',
      checks: [atMost(measured.app.p95, 15)],
      note: `${measured.app.rounds} rounds; ${measured.note}`,
    });
  }

  // CSV export against COPY of the same rows, and the API's memory growth while it streams.
  log('export');
  const exportRounds = Math.min(ROUNDS, intFromEnv('BENCH_EXPORT_ROUNDS', 3));
  let exportGrowth = 0;
  let exportDescription = '';
  const connectedClient = async () => {
    const client = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
    await client`select 1`;
    return client;
  };
  let nextCopyClient = connectedClient();
  const exportTimes = await measurePair(
    exportRounds,
    async () => {
      // Read as a client would save it, chunk by chunk: the growth measured is the API's, not a buffered copy.
      const { result, growthMb } = await peakRssGrowth(async () => {
        const response = await app.request(`${base}/accounts/export.csv`, { headers: { authorization: `Bearer ${token}` } });
        if (response.status !== 200 || !response.body) throw new Error(`export: ${response.status}`);
        let bytes = 0;
        let lines = 0;
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          bytes += chunk.length;
          // indexOf, not a loop over every byte in JavaScript: the reading must not weigh on the figure.
          const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
          for (let at = buffer.indexOf(0x0a); at !== -1; at = buffer.indexOf(0x0a, at + 1)) lines++;
        }
        return { bytes, lines };
      });
      exportGrowth = Math.max(exportGrowth, growthMb);
      exportDescription = `${result.lines - 1} rows, ${(result.bytes / 2 ** 20).toFixed(1)} MiB`;
    },
    async () => {
      // COPY takes no parameters: the id is the seed's own uuid. postgres.js leaves a connection
      // unusable after a COPY stream: each round has its own, connected before the clock starts.
      const copyClient = await nextCopyClient;
      nextCopyClient = connectedClient();
      const stream = await copyClient
        .unsafe(
          `copy (select civility, last_name, first_name, login_id, email, phone, service_function, profile, status, expires_on, last_login_at
                 from accounts where establishment_id = '${seeded.establishmentId}' and status <> 'deleted'
                 order by search_text, id)
           to stdout with (format csv, delimiter ';', header)`,
        )
        .readable();
      for await (const _chunk of stream) {
        // drained
      }
      void copyClient.end({ timeout: 0 });
    },
  );
  void (await nextCopyClient).end({ timeout: 0 });
  rows.push({
    operation: 'export.csv (all)',
    app: `p50 ${ms(exportTimes.app.p50)}, RSS +${exportGrowth.toFixed(0)} MB`,
    rawLabel: 'COPY … TO STDOUT (csv)',
    raw: `p50 ${ms(exportTimes.raw.p50)}`,
    ratio: `${(exportTimes.app.p50 / exportTimes.raw.p50).toFixed(2)} ×`,
    goal: '≤ 1.5 × COPY, ≤ +100 MB',
    checks: [atMost(exportTimes.app.p50, 1.5 * exportTimes.raw.p50, 'time'), atMost(exportGrowth, 100, 'memory')],
    note: `${exportTimes.app.rounds} rounds; ${exportDescription}`,
  });

  // Account creation against the raw start of the same workflow (same options, another task
  // queue so that nothing runs it), at concurrency 8 (rate) and 1 (latency), batches alternating.
  // BENCH_CREATE=0: lists and export only (no creation, no worker, no drain).
  const createCount = intFromEnv('BENCH_CREATE', 200, 0);
  const lifecycleDeps = { temporal, config: { temporal: { taskQueue: `bench-raw-${randomUUID()}` } } };
  let created = 0;
  const create = () => {
    const email = `nouvelle.recrue.${randomUUID()}@ch-banc-essai.fr`;
    created++;
    return json('POST', `${base}/accounts`, {
      token,
      expect: 201,
      body: {
        profile: 'user',
        civility: 'madame',
        lastName: 'Lefèvre-Nouvel',
        firstName: created % 2 ? 'Jérôme' : 'Anaïs', // no Céline: the searches' figures stay those of the seed
        email,
        emailConfirmation: email,
        phone: '0240123456',
        serviceFunction: 'Ressources humaines – recrutement',
        rights: { 'affiliation-cnracl': 'write', 'validations-periodes-cnracl': 'read' },
      },
    });
  };
  let rawStarts = 0;
  const rawStart = () => {
    rawStarts++;
    return startActivation(lifecycleDeps, { id: randomUUID(), loginId: `RAW${String(rawStarts).padStart(6, '0')}`, expiresOn: '2028-05-23' }, '00000000000000');
  };
  if (createCount > 0) {
    for (const concurrency of [8, 1]) {
      log(`create, concurrency ${concurrency}`);
      const batch = Math.max(10, Math.floor(createCount / (concurrency === 1 ? 4 : 2)));
      const appRuns: Awaited<ReturnType<typeof runConcurrently>>[] = [];
      const rawRuns: Awaited<ReturnType<typeof runConcurrently>>[] = [];
      const appCpu = cpuTally(bench);
      const rawCpu = cpuTally(bench);
      for (let i = 0; i < 2; i++) {
        const profile = concurrency === 8 && i === 0 ? process.env.BENCH_CREATE_CPU_PROF : undefined;
        appRuns.push(await appCpu.during(() => cpuProfiled(profile, () => runConcurrently(batch, concurrency, create))));
        rawRuns.push(await rawCpu.during(() => runConcurrently(batch, concurrency, rawStart)));
      }
      log(`CPU per creation at concurrency ${concurrency}: ${appCpu.perCall(2 * batch)}; per bare start: ${rawCpu.perCall(2 * batch)}`);
      const rate = (runs: typeof appRuns) => runs.reduce((s, r) => s + r.perSecond, 0) / runs.length;
      const p99 = (runs: typeof appRuns) => Math.max(...runs.map((r) => r.p99));
      if (concurrency === 8) {
        rows.push({
          operation: 'POST accounts, concurrency 8',
          app: `${rate(appRuns).toFixed(1)}/s, p99 ${ms(p99(appRuns))}`,
          rawLabel: 'workflow start alone',
          raw: `${rate(rawRuns).toFixed(1)}/s`,
          ratio: `${(rate(appRuns) / rate(rawRuns)).toFixed(2)} ×`,
          goal: '≥ 0.8 × raw rate',
          checks: [atLeast(rate(appRuns), 0.8 * rate(rawRuns))],
          note: `${2 * batch} creations, ${2 * batch} raw starts`,
        });
      } else {
        rows.push({
          operation: 'POST accounts, concurrency 1',
          app: `p50 ${ms(Math.max(...appRuns.map((r) => r.p50)))}, p99 ${ms(p99(appRuns))}`,
          rawLabel: 'workflow start alone',
          raw: `p99 ${ms(p99(rawRuns))}`,
          ratio: `${(p99(appRuns) / p99(rawRuns)).toFixed(2)} ×`,
          goal: 'p99 ≤ 60 ms',
          checks: [atMost(p99(appRuns), 60)],
          note: `${2 * batch} creations`,
        });
      }
    }
  }

  // With the worker (test/bench/worker-figures.ts, also `npm run bench:worker`), its own process on a task
  // queue of its own: the drain of a burst of creations, the bulk renewal, then its memory with more and
  // more open workflows. BENCH_CREATE=0: none of them.
  let workerCpu: string | undefined;
  if (createCount > 0) {
    const { figures, worker } = await measureDrain(bench, intFromEnv('BENCH_DRAIN_EMAILS', 300));
    rows.push(...workerRows(figures, []));
    workerCpu = cpuPerEmailLine(figures);
    let peak = figures.rssDrainPeak;
    if (RENEW_COUNT > 0) {
      const sampler = rssSampler(worker.pid);
      rows.push(await renewalRow(bench, worker, seeded, RENEW_COUNT));
      peak = Math.max(peak, await sampler.stop());
    }
    const steps = await measureOpenWorkflows(worker, OPEN_SIZES, OPEN_WAIT_MINUTES);
    rows.push(...steps.map((step) => openStepRow(step, figures.rssIdle)));
    peak = Math.max(peak, ...steps.map((step) => step.peak));
    const atEnd = await rssOf(worker.pid);
    rows.push({
      operation: 'worker RSS, whole run',
      app: `peak ${mb(peak)}, at the end ${mb(atEnd)}`,
      rawLabel: 'the same worker idle',
      raw: mb(figures.rssIdle),
      ratio: `${(peak / figures.rssIdle).toFixed(2)} ×`,
      goal: '≤ 400 MB',
      checks: [atMost(Math.max(peak, atEnd), 400 * 2 ** 20)],
      note: `${await openOnQueue(worker)} workflows open on its queue at the end`,
    });
  }

  const [{ version }] = (await database.db.execute(sql`select current_setting('server_version') as version`)) as unknown as [
    { version: string },
  ];
  const cpus = os.cpus();
  console.log('');
  console.log(`PEP's accounts benchmark — ${new Date().toISOString()}`);
  console.log(
    `machine: ${cpus.length} × ${cpus[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}; ` +
      `node ${process.version}; PostgreSQL ${version} (embedded); load average ${loadAtStart} at the start, ${loadAverage()} at the end ` +
      '(1 / 5 / 15 min; shared machine: read the ratios)',
  );
  console.log(
    `data: 1 establishment, ${ACCOUNT_COUNT} accounts + 1 admin (stored: ${Object.entries(seeded.storedStatuses)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}), ${ACCOUNT_COUNT + 1} history entries`,
  );
  console.log(
    `in-process app.request; lists: ${WARMUP_ROUNDS} warm-up rounds, at most ${ROUNDS} rounds or ${MAX_SECONDS_PER_OPERATION} s, ` +
      'app and raw alternating within each round',
  );
  if (createCount > 0) console.log(workerSettingsLine(config));
  console.log('');
  for (const line of tableLines(rows)) console.log(line);
  const skipped = createCount === 0
    ? ['creation, drain, bulk renewal and worker memory (BENCH_CREATE=0)']
    : [...(RENEW_COUNT === 0 ? ['bulk renewal (BENCH_RENEW_ACCOUNTS=0)'] : []), ...(OPEN_SIZES.length === 0 ? ['worker memory with open workflows (BENCH_OPEN_WORKFLOWS=0)'] : [])];
  if (skipped.length) console.log(`not measured in this run: ${skipped.join('; ')}`);
  if (workerCpu) {
    console.log('');
    console.log(workerCpu);
  }
});

/**
 * The bulk renewal of `count` accounts of the seeded establishment (those whose expiry it moves), as the
 * product runs it: their validity workflows opened first (as the reconcile opens them) on the worker's
 * queue, then the request through an app that starts its signals workflow there, its report checked, until
 * every one of them shows the new expiry (test/bench/bulk-renewal.ts). Its raw limit, the same set-based
 * UPDATE alone, just before and just after.
 */
async function renewalRow(bench: BenchStack, worker: RunningWorker, seeded: Seeded, count: number): Promise<Row> {
  const { db } = bench.database;
  const newExpiry = expiryFrom(parisDay(new Date()));
  const selected = (await db.execute(sql`
    select id, login_id as "loginId", expires_on as "expiresOn" from ${accounts}
    where establishment_id = ${seeded.establishmentId} and status <> 'deleted' and expires_on < ${newExpiry}::date
    order by login_id limit ${count}`)) as unknown as SeededAccount[];
  if (selected.length < count) throw new Error(`only ${selected.length} accounts to renew, ${count} asked (BENCH_RENEW_ACCOUNTS)`);
  log(`renewal: opening the validity workflows of ${count} accounts of the establishment`);
  await openValidityWorkflows(worker, selected, seeded.siret);
  const backlogLeft = await firstTasksDone(worker, OPEN_WAIT_MINUTES);

  const app = createApp({ db, temporal: bench.temporal, config: worker.queue.config, clock: systemClock });
  const login = await app.request('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ loginId: seeded.adminLoginId, password: ADMIN_PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`login refused: ${login.status} ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };

  const selection = { ids: selected.map((a) => a.id) };
  log(`renewal of ${count} accounts, beside the same UPDATE alone`);
  const rawBefore = await setBasedUpdateAlone(db, seeded.establishmentId, selection, newExpiry);
  const run = await renewThroughApi({
    app,
    db,
    temporal: bench.temporal,
    token,
    establishmentId: seeded.establishmentId,
    selection,
    expected: count,
    expiresOn: newExpiry,
    timeoutMs: OPEN_WAIT_MINUTES * 60_000,
  });
  const rawAfter = await setBasedUpdateAlone(db, seeded.establishmentId, selection, newExpiry);
  const s = (milliseconds: number) => `${(milliseconds / 1000).toFixed(2)} s`;
  return {
    operation: `bulk renewal of ${count} accounts (ids)`,
    app: `request ${s(run.requestMs)}`,
    rawLabel: 'same set-based UPDATE alone (before / after)',
    raw: `${s(rawBefore)} / ${s(rawAfter)}`,
    ratio: `${(run.requestMs / ((rawBefore + rawAfter) / 2)).toFixed(2)} ×`,
    goal: '≤ 5 s',
    checks: [atMost(run.requestMs, 5000)],
    note:
      `${count} done in the report, ${run.auditEntries} audit entries; every validity workflow signalled after ${s(run.signalledMs)}, ` +
      `showing the new expiry after ${s(run.movedMs)}${backlogLeft ? ` (${backlogLeft} first tasks still queued before it)` : ''}`,
  };
}
