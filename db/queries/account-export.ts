/**
 * The accounts export (« Exporter » on the list screen): PostgreSQL writes the CSV rows itself
 * (db/copy-csv.ts), with the list's filters and order, French labels and DD/MM/YYYY dates.
 */
import type { Readable } from 'node:stream';
import { and, sql } from 'drizzle-orm';
import { CIVILITY_LABELS, PROFILE_LABELS, STATUS_LABELS } from '../../domain/account';
import type { Database } from '../client';
import { copyCsv, csvCell, csvColumns, csvDate, csvDayOf, labelOf } from '../copy-csv';
import { accounts } from '../schema';
import { type AccountFilters, filterConditions, NAME_ORDER } from './accounts';
import { effectiveStatus } from './account-status';

/**
 * A French landline as people write it (`05 56 11 41 23`), which also keeps Excel from dropping the
 * leading 0. The API stores 10 digits; anything else (older data) goes out as it is, defused. Plain
 * string functions: with a regular expression per row this one column cost more than all the others.
 */
const frenchPhone = sql`(case when length(${accounts.phone}) = 10 and translate(${accounts.phone}, '0123456789', '') = ''
  then concat_ws(' ', ${sql.join([1, 3, 5, 7, 9].map((from) => sql`substr(${accounts.phone}, ${sql.raw(String(from))}, 2)`), sql`, `)})
  else ${csvCell(accounts.phone)} end)`;

/** The columns of the export, in order, under their French headers. */
function exportColumns(f: AccountFilters) {
  return csvColumns({
    Civilité: labelOf(accounts.civility, CIVILITY_LABELS),
    Nom: csvCell(accounts.lastName),
    Prénom: csvCell(accounts.firstName),
    Identifiant: csvCell(accounts.loginId),
    Courriel: csvCell(accounts.email),
    Téléphone: frenchPhone,
    Service: csvCell(accounts.serviceFunction),
    Profil: labelOf(accounts.profile, PROFILE_LABELS),
    Statut: labelOf(effectiveStatus(f.today, f.now), STATUS_LABELS),
    'Expiration du compte': csvDate(accounts.expiresOn),
    'Dernière connexion': csvDayOf(accounts.lastLoginAt),
  });
}

/** The establishment's non-deleted accounts matching the list's filters (or the selection `ids`), in list order, as CSV. */
export function accountsCsv(db: Database, f: AccountFilters): Promise<Readable> {
  return copyCsv(db, db.select(exportColumns(f)).from(accounts).where(and(...filterConditions(f))).orderBy(...NAME_ORDER));
}
