import { integer, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './columns';

/** Replays of a request with the same Idempotency-Key get the first response back. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    actorAccountId: uuid().notNull(),
    key: text().notNull(),
    requestHash: text().notNull(),
    responseStatus: integer().notNull(),
    responseBody: jsonb().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.actorAccountId, t.key] })],
);
