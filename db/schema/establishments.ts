import { relations } from 'drizzle-orm';
import { type AnyPgColumn, jsonb, pgTable, text, uuid, varchar } from 'drizzle-orm/pg-core';
import type { RightLevel } from '../../domain/account';
import { createdAt, updatedAt } from './columns';
import { civilityEnum } from './enums';
import { accounts } from './accounts';

export const establishments = pgTable('establishments', {
  id: uuid().primaryKey().defaultRandom(),
  siret: varchar({ length: 14 }).notNull().unique(),
  name: text().notNull(),
  legalRepCivility: civilityEnum().notNull(),
  legalRepLastName: text().notNull(),
  legalRepFirstName: text().notNull(),
  legalRepTitle: text().notNull(),
  /** Postal address lines, as they are printed on the letter. */
  legalRepAddress: text().array().notNull(),
  centralEstablishmentId: uuid().references((): AnyPgColumn => establishments.id),
  /** Rights a new account starts with, per service code; services not named default to none. */
  defaultRights: jsonb().$type<Record<string, RightLevel>>().notNull().default({}),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const establishmentsRelations = relations(establishments, ({ one, many }) => ({
  central: one(establishments, { fields: [establishments.centralEstablishmentId], references: [establishments.id] }),
  accounts: many(accounts),
}));

export type Establishment = typeof establishments.$inferSelect;
export type NewEstablishment = typeof establishments.$inferInsert;
