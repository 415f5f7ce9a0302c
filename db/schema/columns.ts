import { customType, timestamp } from 'drizzle-orm/pg-core';

export const createdAt = () => timestamp({ withTimezone: true, mode: 'date' }).notNull().defaultNow();
export const updatedAt = () => timestamp({ withTimezone: true, mode: 'date' }).notNull().defaultNow();
export const instant = () => timestamp({ withTimezone: true, mode: 'date' });

/**
 * Text compared byte by byte (code point order in UTF-8), whatever the server's default collation:
 * the list's order key. Under a linguistic collation (en_US, fr_FR, ICU) spaces and punctuation weigh
 * little, « de la » and « dela » interleave, and the strings that share a prefix stop being one range
 * of the order, which the name ranks (db/schema/account-name-counts.ts) depend on.
 */
export const byteOrderText = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' });
