/**
 * CSV that French Excel opens as it is, written as a stream (csv-stringify) so that an export of any
 * size leaves the server row by row: UTF-8 with a byte-order mark (otherwise accents break), `;`
 * between fields (the French list separator), CRLF line ends. Cells that a spreadsheet would run as a
 * formula (starting with = + - @, tab or carriage return) get a leading apostrophe.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';

export type CsvValue = string | number | null | undefined;

/**
 * The CSV document of `rows` (any async iterable, e.g. database pages) under `headers`, as a web
 * stream for the response body. A failure midway ends the body early (the client sees a truncated
 * download) and is logged.
 */
export function csvStream(headers: readonly string[], rows: AsyncIterable<readonly CsvValue[]>, onError: (error: unknown) => void): ReadableStream<Uint8Array> {
  const writer = stringify({
    bom: true,
    delimiter: ';',
    record_delimiter: 'windows',
    header: true,
    columns: [...headers],
    escape_formulas: true,
    // Line breaks inside a cell, and spaces at its ends, which Excel would otherwise lose.
    quoted_match: /[\r\n]|^\s|\s$/,
  });
  pipeline(Readable.from(rows), writer).catch(onError);
  return Readable.toWeb(writer) as ReadableStream<Uint8Array>;
}

/** A French phone number as people write it (`05 56 11 41 23`): also keeps Excel from dropping the leading 0. */
export function frenchPhone(digits: string | null): string {
  if (!digits) return '';
  return /^\d{10}$/.test(digits) ? digits.replace(/(\d{2})(?=\d)/g, '$1 ') : digits;
}
