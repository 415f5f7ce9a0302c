import { customType, date, index, pgEnum, pgSequence, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, instant, updatedAt } from './columns';
import { accounts } from './accounts';
import { establishments } from './establishments';

export const adminRegistrationReasonEnum = pgEnum('admin_registration_reason', ['created', 'promoted']);
/**
 * pending: letter generated (or about to be), waiting for the print-and-post service;
 * letter_sent: posted, the opposition window runs; confirmed / opposed: settled;
 * cancelled: the account was deleted before the registration settled.
 */
export const adminRegistrationStatusEnum = pgEnum('admin_registration_status', [
  'pending',
  'letter_sent',
  'confirmed',
  'opposed',
  'cancelled',
]);
/** How the legal representative told the DRS that they oppose. */
export const oppositionChannelEnum = pgEnum('opposition_channel', ['letter', 'email', 'phone', 'in_person']);

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/** Registration references quoted by the legal representative: `ADM-000042`, never re-used. */
export const adminRegistrationRefSequence = pgSequence('admin_registration_ref_seq', { startWith: 1 });

/**
 * One row per admin grant (created as admin, or promoted): the letter to the legal representative
 * (its PDF is stored here, so it is backed up and transactional with the rest), its posting, the
 * opposition window and how it ended. The registration workflow drives it.
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
    /** What the legal representative quotes to oppose. */
    reference: text().unique(),
    /** Who granted the profile: an admin's account, or null for the platform operator. */
    grantedByAccountId: uuid().references(() => accounts.id),
    grantedAt: instant(),
    workflowId: text(),
    letterPdf: bytea(),
    /** The Paris day printed on the letter. */
    letterDate: date({ mode: 'string' }),
    /** The opposition deadline printed on the letter (Paris day, inclusive). */
    statedDeadline: date({ mode: 'string' }),
    /** Set when the letter was not posted within LETTER_POSTING_DAYS. */
    letterOverdueAt: instant(),
    postedOn: date({ mode: 'string' }),
    /** Last Paris day an opposition is accepted: the later of posting + window and the stated deadline. */
    oppositionDeadline: date({ mode: 'string' }),
    oppositionRequestedOn: date({ mode: 'string' }),
    oppositionChannel: oppositionChannelEnum(),
    oppositionReason: text(),
    decidedAt: instant(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index().on(t.establishmentId), index().on(t.accountId), index().on(t.status, t.letterDate)],
);

export type AdminRegistration = typeof adminRegistrations.$inferSelect;
