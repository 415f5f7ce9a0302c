import { asc, eq, sql } from 'drizzle-orm';
import { RIGHT_LABELS, type RightLevel } from '../../domain/account';
import type { Db } from '../client';
import { accountRights, services, themes } from '../schema';

export interface CatalogueService {
  code: string;
  label: string;
}
export interface CatalogueTheme {
  code: string;
  label: string;
  services: CatalogueService[];
}

/** Themes and their services, in the order the guide shows them. */
export async function listCatalogue(db: Db): Promise<CatalogueTheme[]> {
  const rows = await db
    .select({
      themeCode: themes.code,
      themeLabel: themes.label,
      code: services.code,
      label: services.label,
    })
    .from(services)
    .innerJoin(themes, eq(themes.code, services.themeCode))
    .orderBy(asc(themes.position), asc(services.position), asc(services.code));
  const byTheme = new Map<string, CatalogueTheme>();
  for (const row of rows) {
    let theme = byTheme.get(row.themeCode);
    if (!theme) {
      theme = { code: row.themeCode, label: row.themeLabel, services: [] };
      byTheme.set(row.themeCode, theme);
    }
    theme.services.push({ code: row.code, label: row.label });
  }
  return [...byTheme.values()];
}

export async function listServiceCodes(db: Db): Promise<string[]> {
  const rows = await db.select({ code: services.code }).from(services);
  return rows.map((r) => r.code);
}

/** Rights of one account for every service of the catalogue (a service without a row is "none"). */
export async function rightsOf(db: Db, accountId: string): Promise<Record<string, RightLevel>> {
  const rows = await db
    .select({ code: accountRights.serviceCode, level: accountRights.level })
    .from(accountRights)
    .where(eq(accountRights.accountId, accountId));
  const stored = new Map(rows.map((r) => [r.code, r.level]));
  const all = await listServiceCodes(db);
  return Object.fromEntries(all.sort().map((code) => [code, stored.get(code) ?? 'none']));
}

/** Writes the account's level for each service named (insert or replace). */
export async function upsertRights(db: Db, accountId: string, rights: Record<string, RightLevel>): Promise<void> {
  const values = Object.entries(rights).map(([serviceCode, level]) => ({ accountId, serviceCode, level }));
  if (values.length === 0) return;
  await db
    .insert(accountRights)
    .values(values)
    .onConflictDoUpdate({ target: [accountRights.accountId, accountRights.serviceCode], set: { level: sql`excluded.level` } });
}

/** The catalogue with one account's rights, for display. */
export function rightsByTheme(catalogue: CatalogueTheme[], rights: Record<string, RightLevel>) {
  return catalogue.map((theme) => ({
    code: theme.code,
    label: theme.label,
    services: theme.services.map((service) => {
      const level = rights[service.code] ?? 'none';
      return { code: service.code, label: service.label, level, levelLabel: RIGHT_LABELS[level] };
    }),
  }));
}

/**
 * Checks requested rights against the catalogue: unknown service codes are reported field by field
 * (`rights.<code>`). Returns the field errors (empty when all is known).
 */
export function unknownServiceErrors(requested: Record<string, unknown>, knownCodes: string[]) {
  const known = new Set(knownCodes);
  return serviceFieldErrors(Object.keys(requested).filter((code) => !known.has(code)));
}

/** The field errors of service codes the catalogue does not know. */
export function serviceFieldErrors(unknownCodes: string[]) {
  return unknownCodes.map((code) => ({ field: `rights.${code}`, message: `Service inconnu : « ${code} ».` }));
}
