/**
 * CSV written by PostgreSQL itself: `COPY (select …) TO STDOUT (FORMAT csv)` streamed off the
 * connection. Rows never become JavaScript objects: the server formats them (labels, dates, quoting:
 * db/csv-cells.ts) and the bytes go through as they come, with the socket paused while the reader is slower.
 */
import { Readable } from 'node:stream';
import type { SQLWrapper } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Database } from './client';
import { isDatabaseUnavailable } from './outage';

// The same naming as the app's Drizzle instance (db/client.ts), to write the statement's text.
const dialect = new PgDialect({ casing: 'snake_case' });

/** Bytes handed on at once: COPY sends one message per row, too small a unit for the stream. */
const BATCH_BYTES = 64 * 1024;

/**
 * The rows of `select` as CSV (`;` between fields, a header line with the select's column names,
 * LF line ends), as a stream of batches of about 64 KB. Resolves once PostgreSQL has started
 * sending, so that an unreachable database fails the call (503) before anything is answered.
 *
 * COPY takes no bind parameters: the statement's values are written into its text as literals,
 * quoted by Drizzle (quotes doubled; PostgreSQL's standard_conforming_strings, on by default since
 * 9.1 and never changed here, makes backslashes plain characters).
 *
 * The COPY runs on a connection reserved for it: postgres.js would otherwise pipeline other requests'
 * queries onto the same connection, which fail while a COPY is in progress. It runs under
 * `DateStyle = 'SQL, DMY'` (dates written DD/MM/YYYY, csvDate()), reset before the connection returns
 * to the pool once the COPY is over; a connection that died, or that could not be reset, is not
 * given back (postgres.js opens another when needed). A reader that stops early (a client gone) must
 * not leave the connection stuck in its COPY with a paused socket: the rest is read and dropped (well
 * under a second for 100,000 accounts). Cancelling instead would open one more connection, and
 * postgres.js gives no handle on that attempt's failure.
 *
 * The rows are handed on in batches: one stream push per row (100,000 of them) cost the API more
 * than PostgreSQL's formatting of the whole file.
 */
export async function copyCsv(db: Database, select: SQLWrapper): Promise<Readable> {
  const statement = dialect.sqlToQuery(select.getSQL().inlineParams()).sql;
  const connection = await db.$client.reserve();
  let released = false;
  const release = (error?: unknown) => {
    if (released) return;
    released = true;
    if (error && isDatabaseUnavailable(error)) return;
    connection.unsafe('reset datestyle').then(
      () => connection.release(),
      () => {}, // not reset: never handed to another request
    );
  };
  let source: Readable;
  try {
    await connection.unsafe(`set datestyle = 'SQL, DMY'`);
    source = (await connection.unsafe(`copy (${statement}) to stdout with (format csv, header, delimiter ';')`).readable()) as unknown as Readable;
  } catch (error) {
    release(error);
    throw error;
  }
  let dropping = false;
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const take = () => {
    const chunk = Buffer.concat(batch, batchBytes);
    batch = [];
    batchBytes = 0;
    return chunk;
  };
  const out = new Readable({
    read: () => void source.resume(),
    destroy: (error, callback) => {
      if (!released && !dropping) {
        dropping = true;
        source.removeAllListeners('data');
        source.resume();
      }
      callback(error);
    },
  });
  source.on('data', (chunk: Buffer) => {
    batch.push(chunk);
    batchBytes += chunk.length;
    if (batchBytes >= BATCH_BYTES && !out.push(take())) source.pause();
  });
  source.once('end', () => {
    release();
    if (batchBytes) out.push(take());
    out.push(null);
  });
  source.once('error', (error) => {
    release(error);
    out.destroy(error);
  });
  return out;
}
