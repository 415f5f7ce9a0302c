/**
 * The accounts export (« Exporter » on the list screen): PostgreSQL writes the CSV rows itself
 * (db/copy-csv.ts), with the list's filters and order, French labels and DD/MM/YYYY dates.
 */
import type { Readable } from 'node:stream';
import { and, sql } from 'drizzle-orm';
import { CIVILITY_LABELS, PROFILE_LABELS, STATUS_LABELS } from '../../domain/account';
import type { Database } from '../client';
import { copyCsv } from '../copy-csv';
import { csvCell, csvColumns, csvDate, csvDayOf, labelOf } from '../csv-cells';
import { accounts } from '../schema';
import { type AccountFilters, filterConditions, NAME_ORDER } from './accounts';
import { effectiveStatus } from './account-status';

/** The columns of the export, in order, under their French headers. */
function exportColumns(f: AccountFilters) {
  return csvColumns({
    Civilité: labelOf(accounts.civility, CIVILITY_LABELS),
    Nom: csvCell(accounts.lastName),
    Prénom: csvCell(accounts.firstName),
    Identifiant: csvCell(accounts.loginId),
    Courriel: csvCell(accounts.email),
    Téléphone: sql`${accounts.phoneDisplay}`,
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
