/**
 * db/outage.ts against the run's real PostgreSQL: which lost connections are waited out and re-sent,
 * and which are not. A connection is lost for real (pg_terminate_backend, what a shutdown does to
 * every backend: 57P01); each probe counts its runs with a sequence, which no rollback moves back.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, type Transaction } from '../../../db/client';
import { isDatabaseUnavailable } from '../../../db/outage';

const suffix = randomUUID().replace(/-/g, '').slice(0, 10);
const runs = `retry_runs_${suffix}`; // one nextval per run of the probe
const rows = `retry_rows_${suffix}`;

let database: ReturnType<typeof createDatabase>;
let killer: ReturnType<typeof createDatabase>;

/** How many times the probes ran so far. */
async function runCount(): Promise<number> {
  const [row] = (await killer.db.execute(sql.raw(`select last_value, is_called from ${runs}`))) as unknown as [{ last_value: string; is_called: boolean }];
  return row.is_called ? Number(row.last_value) : 0;
}

/**
 * Terminates the backend that runs a statement matching `marker`, once it is seen in the statement's
 * `pg_sleep` (every probe sleeps after its work): `active` alone also covers parsing and planning,
 * where a loaded machine's terminate came before the write's `nextval` (run count 0 instead of 1).
 */
async function terminateWhenRunning(marker: string): Promise<void> {
  for (;;) {
    const found = (await killer.db.execute(
      sql`select pg_terminate_backend(pid) as done from pg_stat_activity
          where query like ${`%${marker}%`} and pid <> pg_backend_pid() and state = 'active' and wait_event = 'PgSleep'`,
    )) as unknown as { done: boolean }[];
    if (found.length) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A client of its own (one connection: the one the pool reopens) for `run`, closed after it. */
async function withOwnClient<T>(retryMs: number, run: (own: ReturnType<typeof createDatabase>) => Promise<T>): Promise<T> {
  const own = createDatabase(inject('stack').databaseUrl, { max: 1, retryMs });
  try {
    return await run(own);
  } finally {
    await own.close();
  }
}

/** Ends the transaction's backend from outside, as a shutdown does; true on the transaction's first run only. */
async function loseConnectionOnFirstRun(tx: Transaction, run: number): Promise<boolean> {
  const [{ pid }] = (await tx.execute(sql`select pg_backend_pid() as pid`)) as unknown as [{ pid: number }];
  if (run > 1) return false;
  await killer.db.execute(sql`select pg_terminate_backend(${pid})`);
  return true;
}

/**
 * A transaction that inserts a row (its number returned), then, in its first run only, sends a 2-second sleep that
 * the killer ends: `tail` is given that sleep and says whether the run awaits it. Returns the last run's row and
 * how many runs there were.
 */
async function rowThenSleepOnce(prefix: string, tail: (sleep: Promise<unknown>) => Promise<unknown> | void): Promise<{ n: number; calls: number }> {
  const marker = `${prefix}_${randomUUID().slice(0, 8)}`;
  let calls = 0;
  const kill = terminateWhenRunning(marker);
  const n = await database.db.transaction(async (tx) => {
    calls++;
    const [row] = (await tx.execute(sql.raw(`insert into ${rows} select nextval('${runs}') returning n`))) as unknown as [{ n: string }];
    if (calls === 1) await tail(tx.execute(sql.raw(`select pg_sleep(2) as ${marker}`)));
    return Number(row.n);
  });
  await kill;
  return { n, calls };
}

beforeAll(async () => {
  const url = inject('stack').databaseUrl;
  database = createDatabase(url, { max: 2, retryMs: 5_000 });
  killer = createDatabase(url, { max: 1 });
  await killer.db.execute(sql.raw(`create sequence ${runs}; create table ${rows} (n bigint primary key)`));
  // A deferred constraint trigger that sleeps: the transaction's COMMIT stays in flight long enough to lose it.
  await killer.db.execute(
    sql.raw(`
      create function ${rows}_slow_commit() returns trigger language plpgsql as $$ begin perform pg_sleep(0.5); return null; end $$;
      create constraint trigger slow_commit after insert on ${rows} deferrable initially deferred
        for each row when (new.n < 0) execute function ${rows}_slow_commit();`),
  );
});

afterAll(async () => {
  await killer.db.execute(sql.raw(`drop table if exists ${rows}; drop function if exists ${rows}_slow_commit; drop sequence if exists ${runs}`));
  await database.close();
  await killer.close();
});

describe('waiting out a lost database connection (db/outage.ts)', () => {
  it('sends a SELECT again when its connection is lost in flight', async () => {
    const marker = `probe_read_${randomUUID().slice(0, 8)}`;
    const [answer] = await Promise.all([
      // Long enough for the killer's polling to see it under any load; the re-sent statement sleeps again.
      database.db.execute(sql.raw(`select pg_sleep(1), 42 as ${marker}`)) as unknown as Promise<Record<string, number>[]>,
      terminateWhenRunning(marker),
    ]);
    expect(answer[0]![marker]).toBe(42);
  });

  it('does not send again a write whose connection was lost in flight: it may have committed', async () => {
    const before = await runCount();
    const marker = `probe_write_${randomUUID().slice(0, 8)}`;
    const [failure] = await Promise.all([
      database.db
        // Ended by the kill: the sleep only has to outlast the killer's polling, even on a loaded machine.
        .execute(sql.raw(`insert into ${rows} select nextval('${runs}') returning pg_sleep(5) as ${marker}`))
        .then(() => null, (error: unknown) => error),
      terminateWhenRunning(marker),
    ]);
    expect(isDatabaseUnavailable(failure)).toBe(true);
    expect(await runCount()).toBe(before + 1);
  });

  it('re-runs a whole transaction whose connection was lost before COMMIT: one row, no half of the first run', async () => {
    // Only the first run waits long enough to be terminated.
    const { n, calls } = await rowThenSleepOnce('probe_tx', (sleep) => sleep);
    expect(calls).toBe(2);
    const kept = (await killer.db.execute(sql.raw(`select n from ${rows} where n >= ${n - 1}`))) as unknown as { n: string }[];
    expect(kept.map((r) => Number(r.n))).toEqual([n]); // the first run's row was rolled back
  });

  it('re-runs a transaction that lost its connection while it awaited something slower than the budget (Temporal), the database being back', async () => {
    await withOwnClient(500, async (quick) => {
      let calls = 0;
      await quick.db.transaction(async (tx) => {
        if (await loseConnectionOnFirstRun(tx, ++calls)) await new Promise((r) => setTimeout(r, 1_000)); // a Temporal start, slow during the restart
        await tx.execute(sql.raw(`insert into ${rows} select nextval('${runs}')`));
      });
      expect(calls).toBe(2);
    });
  });

  /**
   * The transaction's first run loses its connection (terminated) while its code awaits something else
   * (a Temporal start); meanwhile the pool reopens that same connection for another request, and
   * `whileReopened` runs there. Then the first run sends one more row. Returns the rows kept and the runs.
   */
  async function statementAfterReopening(whileReopened: (client: ReturnType<typeof createDatabase>['client']) => Promise<unknown>) {
    const key = 1_000_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
    return withOwnClient(3_000, async (single) => {
      let calls = 0;
      await single.db.transaction(async (tx) => {
        if (await loseConnectionOnFirstRun(tx, ++calls)) {
          // Queued by the pool until the transaction's connection closes, then sent on it, reopened.
          await single.client.unsafe('select 1');
          await whileReopened(single.client);
        }
        await tx.execute(sql.raw(`insert into ${rows} values (${key + calls})`));
      });
      const kept = (await killer.db.execute(sql.raw(`select n from ${rows} where n in (${key + 1}, ${key + 2}) order by n`))) as unknown as { n: string }[];
      await killer.db.execute(sql.raw(`delete from ${rows} where n > ${key}`)); // the other tests look at the highest rows
      return { calls, kept: kept.map((r) => Number(r.n) - key) };
    });
  }

  it('fails at once, and re-runs, a transaction statement sent after its connection was lost and reopened busy for another request (it waited forever)', async () => {
    let slow: Promise<unknown> | undefined;
    // A first parameterized statement on the new session: postgres.js marks the connection full until it is answered.
    const { calls, kept } = await statementAfterReopening(async (client) => void (slow = client.unsafe('select pg_sleep($1::float8)', [0.5]).then(() => null)));
    await slow;
    expect(calls).toBe(2);
    expect(kept).toEqual([2]);
  }, 15_000);

  it('does not send a statement of a lost transaction on its reopened connection, outside any transaction', async () => {
    const { calls, kept } = await statementAfterReopening(async () => undefined);
    expect(calls).toBe(2);
    expect(kept).toEqual([2]); // not the first run's row, written on the new session and kept
  }, 15_000);

  it("does not end, on its reopened connection, the next request's transaction: the lost attempt's COMMIT committed half of it", async () => {
    const key = 1_000_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
    await withOwnClient(3_000, async (single) => {
      let calls = 0;
      let next: Promise<unknown> | undefined;
      await single.db.transaction(async (tx) => {
        if (!(await loseConnectionOnFirstRun(tx, ++calls))) return;
        // The next request's transaction opens on the reopened connection, writes a row, and is still
        // open when the lost attempt's code ends (a Temporal start); it then fails and rolls back.
        next = single.db
          .transaction(async (tx2) => {
            await tx2.execute(sql.raw(`insert into ${rows} values (${key})`));
            await new Promise((r) => setTimeout(r, 1_000));
            throw new Error('rolled back on purpose');
          })
          .then(() => null, (error: unknown) => error);
        await new Promise((r) => setTimeout(r, 500));
      });
      expect(calls).toBe(2);
      expect(((await next) as Error).message).toBe('rolled back on purpose');
      const kept = (await killer.db.execute(sql.raw(`select n from ${rows} where n = ${key}`))) as unknown[];
      await killer.db.execute(sql.raw(`delete from ${rows} where n = ${key}`));
      expect(kept).toEqual([]);
    });
  }, 15_000);

  it('asks PostgreSQL what became of a transaction whose COMMIT was in flight, and re-runs it when it was aborted', async () => {
    let calls = 0;
    const key = -Number(String(Date.now()).slice(-9));
    // pg_stat_activity shows the COMMIT while the deferred trigger sleeps in it.
    const kill = (async () => {
      for (;;) {
        const found = (await killer.db.execute(
          sql`select pg_terminate_backend(pid) from pg_stat_activity where query = 'commit' and wait_event = 'PgSleep' and pid <> pg_backend_pid()`,
        )) as unknown[];
        if (found.length) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await database.db.transaction(async (tx) => {
      calls++;
      await tx.execute(sql.raw(`insert into ${rows} values (${calls === 1 ? key : key - 1})`));
    });
    await kill;
    expect(calls).toBe(2);
    const kept = (await killer.db.execute(sql.raw(`select n from ${rows} where n in (${key}, ${key - 1})`))) as unknown as { n: string }[];
    expect(kept.map((r) => Number(r.n))).toEqual([key - 1]);
  });

  it('knows the id of a transaction whose last statement and COMMIT were lost together, and re-runs it', async () => {
    // Not awaited: the COMMIT goes out right behind it, and the backend dies before answering either,
    // as a shutdown kills a backend that had both in its input (the drill's PostgreSQL restart).
    const { n, calls } = await rowThenSleepOnce('probe_tail', (sleep) => void sleep.catch(() => undefined));
    expect(calls).toBe(2);
    const kept = (await killer.db.execute(sql.raw(`select n from ${rows} where n >= ${n - 1}`))) as unknown as { n: string }[];
    expect(kept.map((r) => Number(r.n))).toEqual([n]);
  });

  it('sends nothing again on an error that is not a lost connection', async () => {
    const before = await runCount();
    const failure = await database.db.execute(sql.raw(`select nextval('${runs}') / 0`)).then(() => null, (error: unknown) => error);
    expect(isDatabaseUnavailable(failure)).toBe(false);
    let calls = 0;
    const refused = await database.db
      .transaction(async (tx) => {
        calls++;
        await tx.execute(sql.raw(`insert into ${rows} select nextval('${runs}')`));
        await tx.execute(sql.raw(`insert into ${rows} values (1), (1)`)); // duplicate key
      })
      .then(() => null, (error: unknown) => error);
    expect(refused).not.toBeNull();
    expect(calls).toBe(1);
    expect(await runCount()).toBe(before + 2);
  });
});
