/** Rows inserted straight into the database, for tests that start below the API. */
import { randomInt, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { accounts, establishments } from '../../db/schema';
import { expiryFrom, parisDay } from '../../domain/dates';
import { loginIdFor } from '../../domain/login-id';
import { foldForSearch } from '../../domain/text';

export function randomSiret(): string {
  return Array.from({ length: 14 }, () => randomInt(10)).join('');
}

export async function insertEstablishment(db: Database, overrides: Partial<typeof establishments.$inferInsert> = {}) {
  const [row] = await db
    .insert(establishments)
    .values({
      siret: randomSiret(),
      name: `COMMUNE DE TEST ${randomInt(100000)}`,
      legalRepCivility: 'monsieur',
      legalRepLastName: 'Maire',
      legalRepFirstName: 'Jean',
      legalRepTitle: 'Maire',
      legalRepAddress: ['1 place de la Mairie', '44000 NANTES'],
      ...overrides,
    })
    .returning();
  return row!;
}

export async function insertAccount(db: Database, establishmentId: string, fields: Partial<typeof accounts.$inferInsert> = {}) {
  const firstName = fields.firstName ?? 'Camille';
  const lastName = fields.lastName ?? `Test${randomInt(100000)}`;
  const [{ seq }] = (await db.execute(sql`select nextval('login_id_seq')::int as seq`)) as unknown as [{ seq: number }];
  const admin = fields.profile === 'admin';
  const [row] = await db
    .insert(accounts)
    .values({
      establishmentId,
      loginId: loginIdFor(firstName, lastName, seq),
      profile: 'user',
      civility: 'madame',
      firstName,
      lastName,
      email: `${randomUUID()}@employeur.test`,
      status: 'active',
      expiresOn: expiryFrom(parisDay(new Date())),
      searchText: foldForSearch(`${lastName} ${firstName} ${fields.serviceFunction ?? ''}`),
      ...(admin ? { adminSince: new Date(), professionalAddress: ['1 place de la Mairie', '44000 NANTES'] } : {}),
      ...fields,
    })
    .returning();
  return row!;
}
