import { customType, date, integer, pgEnum, pgTable, text, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, instant } from './columns';

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

export const termsDocumentTypeEnum = pgEnum('terms_document_type', ['text', 'pdf']);

/**
 * Published versions of the terms of use (CGU). Immutable once published: no route updates or
 * deletes a row (a trigger refuses it, migration 0003). The current version is the latest published.
 */
export const termsVersions = pgTable('terms_versions', {
  id: uuid().primaryKey().defaultRandom(),
  /** The operator's label, part of workflow IDs (`terms-<version>-<siret>`). */
  version: varchar({ length: 32 }).notNull().unique(),
  title: text().notNull(),
  documentType: termsDocumentTypeEnum().notNull(),
  /** The text itself (documentType = text). */
  documentText: text(),
  /** The PDF itself (documentType = pdf), stored by the platform. */
  documentPdf: bytea(),
  documentSha256: text().notNull(),
  publishedAt: instant().notNull(),
  /** « avant le … »: the first day (Paris) without acceptance counts as overdue. */
  deadlineOn: date({ mode: 'string' }).notNull(),
  /** Days before the deadline on which admins are reminded. */
  reminderDaysBefore: integer().array().notNull(),
  /** The version that was current when this one was published (its pending campaigns end). */
  previousVersion: varchar({ length: 32 }),
  createdAt: createdAt(),
});

export type TermsVersion = typeof termsVersions.$inferSelect;
export type NewTermsVersion = typeof termsVersions.$inferInsert;
