/**
 * The cells of a CSV that PostgreSQL writes (db/copy-csv.ts), as SQL expressions: formula defusing,
 * French labels, DD/MM/YYYY dates, French phone numbers. Pure SQL builders, also used by the schema for
 * what is better computed once on write than on every export (db/schema/accounts.ts `phoneDisplay`).
 */
import { type SQL, sql } from 'drizzle-orm';
import { PLATFORM_TIME_ZONE } from '../domain/dates';

/**
 * Code points of the characters that make a spreadsheet read a cell as a formula (OWASP « CSV
 * injection »): = + - @ tab CR, and their full-width forms.
 */
const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20'].map((c) => c.codePointAt(0)!);

/**
 * A text cell a spreadsheet will not run: one starting like a formula gets a leading apostrophe.
 * Empty stays NULL, which COPY writes as an empty field (an empty string would be written `""`).
 * `ascii()` of the first character against integers is the cheapest test per row: an export runs it
 * on every text cell of up to 100,000 rows.
 */
export function csvCell(value: SQL | SQL.Aliased | unknown): SQL<string | null> {
  const text = sql`${value}::text`;
  return sql<string | null>`(case when ascii(${text}) in (${sql.raw(FORMULA_STARTS.join(', '))}) then '''' || ${text} else nullif(${text}, '') end)`;
}

/** A SQL `case` giving the French label of each key of `labels` (keys outside it give NULL). */
export function labelOf(column: SQL | unknown, labels: Record<string, string>): SQL<string> {
  // No cast of the column: an enum compares to the keys as enum values (no text written per row).
  return sql<string>`(case ${column} ${sql.join(
    Object.entries(labels).map(([key, label]) => sql`when ${key} then ${label}`),
    sql` `,
  )} end)`;
}

/**
 * A calendar day as French pages write it, DD/MM/YYYY: the date itself, which PostgreSQL writes so
 * under the `DateStyle` copyCsv() sets for the COPY (`SQL, DMY`). `to_char` per row cost the export
 * more than all its other columns' formatting (about 1 µs a row against 0.1 µs for the date's own output).
 */
export function csvDate(day: unknown): SQL<string | null> {
  return sql<string | null>`(${day})::date`;
}

/** The Paris day of an instant, DD/MM/YYYY. */
export function csvDayOf(instant: unknown): SQL<string | null> {
  return csvDate(sql`${instant} at time zone ${PLATFORM_TIME_ZONE}`);
}

/** Select fields named after the CSV's headers, in order: `{ 'Nom': expression }` → `expression as "Nom"`. */
export function csvColumns(columns: Record<string, SQL>): Record<string, SQL.Aliased> {
  return Object.fromEntries(Object.entries(columns).map(([header, value]) => [header, value.as(header)]));
}

/**
 * A French landline as people write it (`05 56 11 41 23`), which also keeps Excel from dropping the
 * leading 0. The API stores 10 digits; anything else (older data) goes out as it is, defused. Plain
 * string functions joined with `||` (immutable, so usable in a generated column; `concat_ws` is not):
 * with a regular expression per row this one column cost more than all the others.
 */
export function frenchPhone(phone: SQL): SQL<string | null> {
  const pair = (from: number) => sql`substr(${phone}, ${sql.raw(String(from))}, 2)`;
  return sql<string | null>`(case when length(${phone}) = 10 and translate(${phone}, '0123456789', '') = ''
  then ${sql.join([1, 3, 5, 7, 9].map(pair), sql` || ' ' || `)}
  else ${csvCell(phone)} end)`;
}
