/**
 * How the API rides out a short PostgreSQL restart instead of answering 503 (README, "Outages, abuse
 * and bad input"). One place: a wrapper around the postgres.js client that Drizzle runs every pooled
 * statement and every transaction through (`createDatabase(url, { retryMs })`, the API's DATABASE_RETRY_SECONDS). Inside a transaction
 * nothing is retried statement by statement: the whole transaction is, or nothing.
 *
 * What may be sent again while the budget lasts, and why it cannot duplicate anything:
 * - a statement whose connection could not even be opened (refused, PostgreSQL starting or shutting
 *   down, too many connections): it never reached the server;
 * - a plain SELECT whose connection was lost in flight: it changes nothing;
 * - a whole transaction whose connection was lost before its COMMIT was sent: PostgreSQL rolls back a
 *   transaction whose session ends, so nothing of it remains;
 * - a transaction whose connection was lost while its COMMIT was in flight: the answer is asked of
 *   PostgreSQL itself once it is back (`pg_xact_status` of the transaction's id, asked with its first
 *   statement, so in hand before the COMMIT is sent): committed → the result stands; aborted → re-run;
 *   unknown → 503.
 * Never sent again: a plain INSERT/UPDATE/DELETE lost in flight (it may have committed: 503 as before),
 * and a transaction that had already called Temporal in a way that must not be repeated (a signal
 * to a living workflow): `noteSentOutside`. A creation's workflow start may be repeated: the rolled-back
 * account's workflow finds no account and ends on its own (`account_not_eligible`), and the re-run
 * allocates a new login id, so its workflow ID is new.
 * Past the budget, the last error goes up as before (503 with Retry-After).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Sql } from 'postgres';
import { log } from '../logging/logger';

// postgres.js codes of a connection that is gone or cannot be had; PostgreSQL's own classes 08
// (connection exception), 57P01-57P03 (shutdown, cannot connect now) and 53300 (too many connections).
const CONNECTION_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// Of those, the ones raised only while a connection is being opened, before any query is written to it.
const NOT_OPENED_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'CONNECT_TIMEOUT', '57P03', '53300']);

/** The codes of an error and its causes (Drizzle's error, then the driver's): what logs may show of it. */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  // Drizzle wraps the driver's error in its own (cause).
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') codes.push(e.code);
  }
  return codes;
}

/**
 * Whether an error (or its cause) says the database cannot be reached, as opposed to a query it
 * refused: the first is an outage (503, retry later), the second a bug (500).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return errorCodes(error).some(
    (code) => CONNECTION_CODES.has(code) || NETWORK_CODES.has(code) || code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code),
  );
}

/** The statement's connection could not be opened: it never reached PostgreSQL. */
function neverSent(error: unknown): boolean {
  return errorCodes(error).some((code) => NOT_OPENED_CODES.has(code));
}

/**
 * A plain SELECT sent by the pool changes nothing. True of this code base: the SELECTs with a side
 * effect (nextval of the registration reference, advisory locks) run inside transactions, which
 * are re-run whole or not at all.
 */
function readsOnly(query: string): boolean {
  return /^\s*select\b/i.test(query);
}

/** Thrown by an attempt that may run again; carries the error to raise once the budget is spent. */
class MayRetry {
  constructor(readonly error: unknown) {}
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The budget of one client: a call waits until `retryMs` after the first failure of the current
 * outage (any answer ends it), so a request waits about `retryMs` in all for the database however
 * many statements it makes, and during a long outage new requests get their 503 at once. Counted from
 * the failure, not from the call's start: a transaction that lost its connection while it awaited
 * Temporal (itself slow while its own database restarts) is re-run if the database is back by then.
 */
class OutageClock {
  private since: number | null = null;
  constructor(readonly retryMs: number) {}
  deadline(): number {
    return (this.since ?? Date.now()) + this.retryMs;
  }
  failed(): void {
    this.since ??= Date.now();
  }
  answered(): void {
    this.since = null;
  }
}

/** Runs `attempt` until it succeeds, fails for good, or the budget leaves no time for another wait. */
async function untilDeadline<T>(clock: OutageClock, what: string, attempt: () => Promise<T>): Promise<T> {
  for (let delay = 100, n = 1; ; n++) {
    try {
      const result = await attempt();
      clock.answered();
      return result;
    } catch (failure) {
      if (!(failure instanceof MayRetry)) throw failure;
      clock.failed();
      // Jittered, so that the requests a restart interrupted do not all come back at the same instant.
      const wait = delay / 2 + Math.random() * (delay / 2);
      if (Date.now() + wait > clock.deadline()) throw failure.error;
      log.info({ attempt: n, waitMs: Math.round(wait), codes: errorCodes(failure.error) }, `database unavailable, ${what} retried`);
      await sleep(wait);
      delay = Math.min(delay * 2, 1_000);
    }
  }
}

type SentOutside = 'nothing' | 'repeatable' | 'once';
const transactionAttempt = new AsyncLocalStorage<{ sentOutside: SentOutside }>();

/**
 * Called by `callWorkflow` before it reaches Temporal: if the surrounding transaction then loses its
 * connection, it is re-run only when that call may be repeated (`repeatable`: a start under a workflow
 * ID made in this very transaction). Outside a retried transaction it does nothing.
 */
export function noteSentOutside(repeatable: boolean): void {
  const attempt = transactionAttempt.getStore();
  if (!attempt) return;
  if (!repeatable) attempt.sentOutside = 'once';
  else if (attempt.sentOutside === 'nothing') attempt.sentOutside = 'repeatable';
}

type Begin = (...args: unknown[]) => Promise<unknown>;

/**
 * What Drizzle uses of postgres.js's lazy query, `await sql.unsafe(…)` and `await sql.unsafe(…).values()`,
 * over `run` (`values`: rows as arrays). The statement is sent when awaited, as postgres.js's own.
 */
function lazyQuery(run: (values: boolean) => Promise<unknown>) {
  return {
    values: () => run(true),
    then: (resolve: (value: unknown) => unknown, reject: (error: unknown) => unknown) => run(false).then(resolve, reject),
  };
}

/**
 * What a lost transaction attempt hands back to postgres.js: nothing, ever (see runTransaction). A new
 * one each time, so that nothing keeps the abandoned attempt: it is collected with it.
 */
const abandoned = () => new Promise<never>(() => undefined);

/**
 * The transaction handle given to the transaction's code, whose statements fail with CONNECTION_CLOSED
 * once its attempt has lost its connection (`gone` rejected). postgres.js keeps handing them to the
 * connection object, which by then it may have reopened for other requests: queued behind the
 * transaction's own dead queue while that connection is busy (never answered: the request hung, the
 * cluster drill's PostgreSQL restart), or sent on the new session outside any transaction (written
 * once more than the re-run writes). What Drizzle uses of it: `unsafe`, like the pool's below.
 */
function guardedTransaction(tx: Sql, gone: Promise<never>, lost: () => boolean): Sql {
  const unsafe = (query: string, params?: unknown[], options?: unknown) =>
    lazyQuery((values) => {
      if (lost()) return gone;
      const pending = tx.unsafe(query, params as never, options as never);
      return Promise.race([values ? pending.values() : pending, gone]);
    });
  return new Proxy(tx, { get: (target, property, receiver) => (property === 'unsafe' ? unsafe : Reflect.get(target, property, receiver)) });
}

/** One run of a transaction: its result, a MayRetry when it certainly left nothing, or the error. */
async function runTransaction(sql: Sql, args: unknown[], clock: OutageClock): Promise<unknown> {
  const fn = args.at(-1) as (tx: Sql) => unknown;
  const attempt = { sentOutside: 'nothing' as SentOutside };
  let work: Promise<unknown> | undefined;
  let result: unknown;
  let xidRead: Promise<string | undefined> | undefined;
  let committing = false;
  let failed = false;
  let connectionLost!: (error: unknown) => void;
  const gone = new Promise<never>((_, reject) => (connectionLost = reject));
  gone.catch(() => undefined);
  try {
    return await transactionAttempt.run(attempt, () =>
      (sql.begin as unknown as Begin)(...args.slice(0, -1), async (tx: Sql) => {
        // The transaction's id: what to ask PostgreSQL about should the COMMIT's answer be lost. Asked
        // first and not awaited, so it travels with the transaction's first statement and its answer is
        // in hand before the COMMIT goes out. Read beside the COMMIT instead (one statement fewer for a
        // transaction that writes nothing), it was lost with the COMMIT when PostgreSQL shut down under
        // both, and the request answered 503 (the cluster drill's PostgreSQL restart, README « Fault drill »).
        xidRead = Promise.race([tx<{ xid: string }[]>`select pg_current_xact_id()::text as xid`.execute(), gone]).then(
          ([row]) => row?.xid,
          () => undefined,
        );
        work = Promise.resolve(fn(guardedTransaction(tx, gone, () => failed)));
        result = await work.catch((error: unknown) => (failed ? abandoned() : Promise.reject(error)));
        // Its connection was lost while the code awaited (a Temporal start): the attempt never settles
        // for postgres.js, which would otherwise send its COMMIT (or its ROLLBACK) on the connection
        // object it has meanwhile reopened, maybe inside another request's transaction: that one's
        // first half committed (or rolled back) under it, its connection handed back to the pool while
        // it runs, and its next statement queued where nothing sends it (a request that never answers
        // and logs nothing: session 12's cluster drill). Within the close's own turn postgres.js fails
        // whatever is sent on the closed connection, so only a later end is held back.
        if (failed) return abandoned();
        committing = true;
        return result;
      }),
    );
  } catch (error) {
    failed = true;
    connectionLost(error);
    if (!isDatabaseUnavailable(error)) throw error;
    // postgres.js gives up on a closed connection at once, while the transaction's code may still be
    // awaiting (a Temporal start): that attempt ends before the next one begins.
    await work?.catch(() => undefined);
    clock.failed(); // the outage's budget runs from here at the latest, for the commit status check too
    if (committing) {
      // The id is unknown only if its answer was lost too, i.e. no statement of the transaction was
      // answered: whether its COMMIT ran cannot be asked (503).
      const xid = await xidRead;
      if (xid === undefined) throw error;
      const status = await commitStatus(sql, xid, clock, error);
      if (status === 'committed') return result;
      if (status !== 'aborted') throw error;
    }
    // Rolled back by PostgreSQL. Run again unless it sent something that must not be sent twice.
    if (attempt.sentOutside === 'once') throw error;
    throw new MayRetry(error);
  }
}

/** What became of a transaction whose COMMIT's answer was lost, asked once PostgreSQL answers again. */
async function commitStatus(sql: Sql, xid: string, clock: OutageClock, lost: unknown): Promise<string | null> {
  try {
    return await untilDeadline(clock, 'commit status', async () => {
      const [row] = await sql<{ status: string | null }[]>`select pg_xact_status(${xid}::xid8) as status`.catch((error: unknown) => {
        throw isDatabaseUnavailable(error) ? new MayRetry(error) : error;
      });
      // Still in progress: the server has not yet noticed the lost session (no restart); ask again.
      if (row?.status === 'in progress') throw new MayRetry(lost);
      return row?.status ?? null;
    });
  } catch {
    return null;
  }
}

/**
 * The postgres.js client `sql` whose pooled statements (`unsafe`, what Drizzle sends) and transactions
 * (`begin`) wait out a lost database for up to `retryMs` (OutageClock), as described above. Tagged-template calls
 * (the health probe) and reserved connections are left alone. `retryMs` 0 = the client itself.
 */
export function rideOutRestarts(sql: Sql, retryMs: number): Sql {
  if (retryMs <= 0) return sql;
  const clock = new OutageClock(retryMs);
  const unsafe = (query: string, params?: unknown[], options?: unknown) =>
    lazyQuery((values) =>
      untilDeadline(clock, 'statement', async () => {
        try {
          const pending = sql.unsafe(query, params as never, options as never);
          return await (values ? pending.values() : pending);
        } catch (error) {
          if (isDatabaseUnavailable(error) && (neverSent(error) || readsOnly(query))) throw new MayRetry(error);
          throw error;
        }
      }),
    );
  const begin = (...args: unknown[]) => untilDeadline(clock, 'transaction', () => runTransaction(sql, args, clock));
  return new Proxy(sql, {
    get: (target, property, receiver) => (property === 'unsafe' ? unsafe : property === 'begin' ? begin : Reflect.get(target, property, receiver)),
  });
}
