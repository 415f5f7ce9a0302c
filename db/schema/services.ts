import { relations } from 'drizzle-orm';
import { integer, pgTable, text, varchar } from 'drizzle-orm/pg-core';

/** The service catalogue is data: a migration adds a service, no code change. */
export const themes = pgTable('themes', {
  code: varchar({ length: 64 }).primaryKey(),
  label: text().notNull(),
  position: integer().notNull(),
});

export const services = pgTable('services', {
  code: varchar({ length: 64 }).primaryKey(),
  themeCode: varchar({ length: 64 })
    .notNull()
    .references(() => themes.code),
  label: text().notNull(),
  position: integer().notNull(),
});

export const themesRelations = relations(themes, ({ many }) => ({ services: many(services) }));
export const servicesRelations = relations(services, ({ one }) => ({
  theme: one(themes, { fields: [services.themeCode], references: [themes.code] }),
}));

export type Service = typeof services.$inferSelect;
export type Theme = typeof themes.$inferSelect;
