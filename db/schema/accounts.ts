import { relations, sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  date,
  index,
  integer,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { frenchPhone } from '../csv-cells';
import { byteOrderText, createdAt, instant, updatedAt } from './columns';
import { accountStatusEnum, civilityEnum, profileEnum, rightLevelEnum } from './enums';
import { establishments } from './establishments';
import { services } from './services';

export const accounts = pgTable(
  'accounts',
  {
    id: uuid().primaryKey().defaultRandom(),
    establishmentId: uuid()
      .notNull()
      .references(() => establishments.id),
    /** Generated, unique, never re-used (deleted accounts keep theirs). */
    loginId: varchar({ length: 9 }).notNull().unique(),
    profile: profileEnum().notNull(),
    civility: civilityEnum().notNull(),
    lastName: text().notNull(),
    firstName: text().notNull(),
    email: text().notNull(),
    phone: text(),
    /**
     * The phone as the export writes it (db/csv-cells.ts `frenchPhone`), kept by PostgreSQL on every
     * write: formatting it per row was two thirds of an export's cost over a bare COPY (README « Benchmark »,
     * « The export's phone stored in its French form »).
     */
    phoneDisplay: text().generatedAlwaysAs(frenchPhone(sql`"phone"`)),
    serviceFunction: text(),
    /** Required for admins: where the legal representative's letter says the admin works. */
    professionalAddress: text().array(),
    status: accountStatusEnum().notNull(),
    /** Last day the holder may log in (Paris calendar day). */
    expiresOn: date({ mode: 'string' }).notNull(),
    passwordHash: text(),
    passwordChangedAt: instant(),
    failedLoginCount: integer().notNull().default(0),
    blockedUntil: instant(),
    lastLoginAt: instant(),
    /** Since when the holder is admin (creation or promotion): the terms-of-use delay counts from here. */
    adminSince: instant(),
    /**
     * First Paris day on which the holder, as a new admin, may accept terms of use (adminSince + 8
     * calendar days). Null: not an admin, or admin before the delay was recorded (no delay then).
     */
    termsAcceptableFrom: date({ mode: 'string' }),
    /** Set by the activation workflow: when the current password-creation link dies. */
    activationLinkExpiresAt: instant(),
    /** Folded last name, first name and service: accent- and case-insensitive search, and the list's order (byte order). */
    searchText: byteOrderText().notNull(),
    createdByAccountId: uuid().references((): AnyPgColumn => accounts.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: instant(),
  },
  (t) => [
    index().on(t.establishmentId, t.status),
    index().on(t.email),
    index().on(t.expiresOn),
    // The list's order within one establishment (db/queries/accounts.ts NAME_ORDER): a page is read
    // off this index, never sorted out of every account of the platform.
    index('accounts_list_order_idx').on(t.establishmentId, t.searchText, t.id).where(sql`status <> 'deleted'`),
    // A status group's page (list grouped by status, or filtered by « active » / « pending »), in list
    // order: the group's stored status, then the name order; migration 0014 adds INCLUDE (expires_on,
    // blocked_until), so that the rest of the displayed-status condition is checked in the index too.
    index('accounts_status_order_idx').on(t.establishmentId, t.status, t.searchText, t.id).where(sql`status <> 'deleted'`),
    // Substring search (`like '%word%'` on the folded column): trigrams (pg_trgm, created by migration list_indexes_and_counts).
    index('accounts_search_trgm_idx').using('gin', t.searchText.op('gin_trgm_ops')),
    // The few accounts locked out right now (their displayed status is « Bloqué »); migration 0011
    // adds INCLUDE (profile, status, expires_on) so that the counts' correction reads the index only.
    index('accounts_blocked_idx').on(t.establishmentId, t.blockedUntil).where(sql`blocked_until is not null`),
    // The « Bloqué » filter's and group's page in list order: the accounts with a lockout on record
    // (a few percent: cleared by the next successful login), in name order; migration
    // filter_order_indexes adds INCLUDE (status, expires_on, blocked_until), so that whether the lockout
    // runs now is checked in the index. Without it the page walked the list's order index and read ~1,300
    // accounts to find 26 locked out.
    index('accounts_lockout_order_idx').on(t.establishmentId, t.searchText, t.id).where(sql`blocked_until is not null and status <> 'deleted'`),
    // The administrators' page in list order (the profile filter or group): 3 % of
    // the accounts, which the list's order index reached by reading ~1,200 accounts for 26 admins.
    index('accounts_admin_order_idx').on(t.establishmentId, t.searchText, t.id).where(sql`profile = 'admin' and status <> 'deleted'`),
  ],
);

export const accountRights = pgTable(
  'account_rights',
  {
    accountId: uuid()
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    serviceCode: varchar({ length: 64 })
      .notNull()
      .references(() => services.code),
    level: rightLevelEnum().notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.serviceCode] })],
);

export const accountsRelations = relations(accounts, ({ one, many }) => ({
  establishment: one(establishments, { fields: [accounts.establishmentId], references: [establishments.id] }),
  rights: many(accountRights),
}));

export const accountRightsRelations = relations(accountRights, ({ one }) => ({
  account: one(accounts, { fields: [accountRights.accountId], references: [accounts.id] }),
  service: one(services, { fields: [accountRights.serviceCode], references: [services.code] }),
}));

export type Account = typeof accounts.$inferSelect;
export type NewAccount = typeof accounts.$inferInsert;
export type AccountRight = typeof accountRights.$inferSelect;

/** One platform-wide counter for login ids: an id is never handed out twice. */
export const loginIdSequence = pgSequence('login_id_seq', { startWith: 1, maxValue: 999999 });
