/**
 * CSV that French Excel opens as it is: UTF-8 with a byte-order mark (otherwise accents break),
 * `;` between fields (the French list separator), CRLF line ends. Cells that a spreadsheet would run
 * as a formula (starting with = + - @, tab or carriage return) get a leading apostrophe.
 */
export const CSV_BOM = '\uFEFF';
export const CSV_SEPARATOR = ';';
export const CSV_LINE_END = '\r\n';

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[";\r\n]|^\s|\s$/;

export type CsvValue = string | number | null | undefined;

/** One cell: neutralised against formula injection, then quoted when needed (quotes doubled). */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly CsvValue[]): string {
  return values.map(csvCell).join(CSV_SEPARATOR) + CSV_LINE_END;
}

/** The whole document: BOM, header line, one line per row. */
export function toCsv(headers: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return CSV_BOM + csvLine(headers) + rows.map(csvLine).join('');
}

/** A French phone number as people write it (`05 56 11 41 23`): also keeps Excel from dropping the leading 0. */
export function frenchPhone(digits: string | null): string {
  if (!digits) return '';
  return /^\d{10}$/.test(digits) ? digits.replace(/(\d{2})(?=\d)/g, '$1 ') : digits;
}
