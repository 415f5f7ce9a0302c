/**
 * CSV that French Excel opens as it is: UTF-8 with a byte-order mark (otherwise accents break), `;`
 * between fields (the French list separator), CRLF line ends. PostgreSQL writes the rows
 * (db/copy-csv.ts: quoting, formula defusing, labels, dates); this adds what COPY cannot: the mark
 * and the CR of each line end.
 */
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Context } from 'hono';
import { log } from '../logging/logger';
import type { AppEnv } from './env';

const BOM = Buffer.from('\uFEFF');
const LF = 0x0a;
const QUOTE = 0x22;

const CRLF = Buffer.from('\r\n');

/**
 * Turns COPY's LF line ends into CRLF, one output chunk per input chunk (copyCsv() hands on batches
 * of about 64 KB). A line break inside a quoted cell stays as it is (quotes open and close in pairs;
 * a doubled quote inside a cell closes and reopens: the parity is what counts).
 */
export function crlfLineEnds(): Transform {
  let quoted = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const parts: Buffer[] = [];
      let from = 0;
      let at = 0;
      let quote = chunk.indexOf(QUOTE);
      for (;;) {
        const lf = chunk.indexOf(LF, at);
        if (quote !== -1 && (lf === -1 || quote < lf)) {
          quoted = !quoted;
          at = quote + 1;
          quote = chunk.indexOf(QUOTE, at);
        } else if (lf !== -1) {
          if (!quoted) {
            parts.push(chunk.subarray(from, lf), CRLF);
            from = lf + 1;
          }
          at = lf + 1;
        } else break;
      }
      parts.push(chunk.subarray(from));
      callback(null, Buffer.concat(parts));
    },
  });
}

/**
 * The CSV document from COPY's output, as a web stream for the response body. A failure midway ends
 * the body early (the client sees a broken download, never an error page after a 200) and is logged;
 * a client that leaves is not a failure.
 */
export function excelCsv(rows: Readable, requestId?: string): ReadableStream<Uint8Array> {
  const lineEnds = crlfLineEnds();
  lineEnds.push(BOM);
  pipeline(rows, lineEnds).catch((error: unknown) => {
    if ((error as { name?: string }).name === 'AbortError') log.info({ requestId }, 'CSV export: the client left before the end');
    else log.error({ requestId, err: error }, 'CSV export interrupted');
  });
  return Readable.toWeb(lineEnds) as ReadableStream<Uint8Array>;
}

/** The response of a CSV download named `filename`, streamed. */
export function csvResponse(c: Context<AppEnv>, rows: Readable, filename: string) {
  return c.body(excelCsv(rows, c.var.requestId), 200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${filename}"`,
    'Cache-Control': 'no-store',
  });
}
