import { pgTable, primaryKey, text, uuid, varchar } from 'drizzle-orm/pg-core';
import { accounts } from './accounts';
import { createdAt, instant } from './columns';
import { establishments } from './establishments';

/**
 * One row per reminder email of the monthly expiry run: (establishment, expiry month, recipient) is
 * sent at most once, across re-runs, retries and manual triggers of the schedule.
 */
export const expiryReminders = pgTable(
  'expiry_reminders',
  {
    establishmentId: uuid()
      .notNull()
      .references(() => establishments.id),
    /** The month the listed accounts expire in, YYYY-MM. */
    expiryMonth: varchar({ length: 7 }).notNull(),
    recipientAccountId: uuid()
      .notNull()
      .references(() => accounts.id),
    /** The provider's idempotency key of this email (a retry after a crash re-sends the same key). */
    idempotencyKey: text().notNull(),
    emailId: text(),
    /** Null until the provider accepted the email. */
    sentAt: instant(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.establishmentId, t.expiryMonth, t.recipientAccountId] })],
);

export type ExpiryReminder = typeof expiryReminders.$inferSelect;
