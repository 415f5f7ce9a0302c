import { eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '../client';
import { builtOncePerHandle } from '../prepared';
import { accounts, establishments } from '../schema';

const creators = alias(accounts, 'creator');

/** One statement per link email (a burst of creations drains thousands): built once per database handle. */
const linkRecipientQuery = builtOncePerHandle((db: Database) =>
  db
    .select({
      account: {
        id: accounts.id,
        establishmentId: accounts.establishmentId,
        loginId: accounts.loginId,
        email: accounts.email,
        civility: accounts.civility,
        lastName: accounts.lastName,
        profile: accounts.profile,
        createdAt: accounts.createdAt,
        status: accounts.status,
        expiresOn: accounts.expiresOn,
      },
      establishment: { name: establishments.name, legalRepAddress: establishments.legalRepAddress, siret: establishments.siret },
      creator: { civility: creators.civility, lastName: creators.lastName, phone: creators.phone },
    })
    .from(accounts)
    .innerJoin(establishments, eq(establishments.id, accounts.establishmentId))
    .leftJoin(creators, eq(creators.id, accounts.createdByAccountId))
    .where(eq(accounts.id, sql.placeholder('accountId')))
    .prepare('link_recipient'),
);

/**
 * What a password link's eligibility check and email are made of: the holder (deleted included: the
 * status tells), the establishment, and the admin who created the account (null for the operator's
 * first admin).
 */
export async function findLinkRecipient(db: Database, accountId: string) {
  const [row] = await linkRecipientQuery(db).execute({ accountId });
  return row;
}
