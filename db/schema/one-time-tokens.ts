import { index, integer, pgEnum, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, instant } from './columns';
import { accounts } from './accounts';

export const tokenPurposeEnum = pgEnum('token_purpose', ['activation', 'password_reset']);

/**
 * Single-use links (password creation, password reset). Only the SHA-256 of the token is kept;
 * the workflow that issued it decides whether it is still valid.
 */
export const oneTimeTokens = pgTable(
  'one_time_tokens',
  {
    id: uuid().primaryKey().defaultRandom(),
    accountId: uuid()
      .notNull()
      .references(() => accounts.id),
    purpose: tokenPurposeEnum().notNull(),
    tokenHash: text().notNull().unique(),
    workflowId: text().notNull(),
    /** Which request of the workflow issued it (1 = first email, 2 = first resend...). */
    requestNo: integer().notNull(),
    expiresAt: instant().notNull(),
    /** Password hash staged by the API while the workflow decides; moved onto the account on acceptance. */
    stagedPasswordHash: text(),
    usedAt: instant(),
    revokedAt: instant(),
    createdAt: createdAt(),
  },
  (t) => [index().on(t.accountId, t.purpose)],
);

export type OneTimeToken = typeof oneTimeTokens.$inferSelect;
export type NewOneTimeToken = typeof oneTimeTokens.$inferInsert;
