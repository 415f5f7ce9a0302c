import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { instant } from './columns';

/**
 * Counters of the public endpoints' throttling, in PostgreSQL so that every API instance shares them.
 * `key` names the endpoint and the SHA-256 of what is counted (a client address, an identifier):
 * no email or login id is stored here in clear.
 */
export const rateLimits = pgTable('rate_limits', {
  key: text().primaryKey(),
  windowStartedAt: instant().notNull(),
  hits: integer().notNull(),
});
