import { index, pgEnum, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, instant, updatedAt } from './columns';
import { accounts } from './accounts';
import { establishments } from './establishments';

export const adminRegistrationReasonEnum = pgEnum('admin_registration_reason', ['created', 'promoted']);
export const adminRegistrationStatusEnum = pgEnum('admin_registration_status', [
  'pending',
  'letter_sent',
  'confirmed',
  'opposed',
]);

/**
 * Every new admin (created as admin, or promoted) is recorded here; the registration workflow
 * (letter to the legal representative, opposition window) picks it up.
 */
export const adminRegistrations = pgTable(
  'admin_registrations',
  {
    id: uuid().primaryKey().defaultRandom(),
    accountId: uuid()
      .notNull()
      .references(() => accounts.id),
    establishmentId: uuid()
      .notNull()
      .references(() => establishments.id),
    reason: adminRegistrationReasonEnum().notNull(),
    status: adminRegistrationStatusEnum().notNull().default('pending'),
    workflowId: text(),
    decidedAt: instant(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index().on(t.establishmentId), index().on(t.accountId)],
);
