/**
 * Demonstration data for a fresh installation: one establishment, its legal representative and an
 * active admin whose password is set directly (no activation email), so that someone can log in at
 * once. Does nothing when any establishment already exists.
 */
import { randomInt } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import { parisDay } from '../domain/dates';
import { unmetPasswordRules } from '../domain/password-policy';
import { hashPassword } from '../security/passwords';
import type { Database } from './client';
import { createAccountRecord } from './queries/accounts';
import { recordAudit } from './queries/audit';
import { countEstablishments, insertEstablishment } from './queries/establishments';
import { listServiceCodes } from './queries/services';
import { accounts, adminRegistrations, establishments } from './schema';

export interface SeededDemo {
  establishmentId: string;
  establishmentName: string;
  loginId: string;
  password: string;
}

const SEED_LOCK = 727_274_002;

export const DEMO_ESTABLISHMENT = {
  siret: '21330063500017',
  name: 'COMMUNE DE DEMO',
  legalRepCivility: 'madame' as const,
  legalRepLastName: 'Durand',
  legalRepFirstName: 'Martine',
  legalRepTitle: 'Maire',
  legalRepAddress: ['Mairie de Demo', '1 place de la Mairie', '33000 BORDEAUX'],
};

function demoPassword(): string {
  const password = `Demo-${randomInt(100_000, 1_000_000)}-Peps`;
  if (unmetPasswordRules(password).length > 0) throw new Error('demo password does not meet the policy');
  return password;
}

export async function seedDemo(db: Database, options: { now?: Date; password?: string } = {}): Promise<SeededDemo | null> {
  const now = options.now ?? new Date();
  const today = parisDay(now);
  const password = options.password ?? demoPassword();
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    // Several processes may start together: one seeds, the others find the establishment.
    await tx.execute(sql`select pg_advisory_xact_lock(${SEED_LOCK})`);
    if ((await countEstablishments(tx)) > 0) return null;

    const codes = await listServiceCodes(tx);
    const establishment = await insertEstablishment(tx, {
      ...DEMO_ESTABLISHMENT,
      defaultRights: Object.fromEntries(codes.map((code) => [code, 'read' as const])),
    });
    const system = { actorType: 'system' as const, actorLabel: 'seed', establishmentId: establishment.id };
    await recordAudit(tx, { ...system, action: 'establishment.create', outcome: 'success', after: { ...DEMO_ESTABLISHMENT } });

    const created = await createAccountRecord(tx, {
      now,
      today,
      establishmentId: establishment.id,
      coordinates: {
        profile: 'admin',
        civility: 'madame',
        lastName: 'Gueriot',
        firstName: 'Myriam',
        email: 'myriam.gueriot@commune-demo.fr',
        phone: '0556114123',
        serviceFunction: 'Ressources Humaines',
        professionalAddress: ['Mairie de Demo', 'Service des ressources humaines', '1 place de la Mairie', '33000 BORDEAUX'],
      },
      requestedRights: Object.fromEntries(codes.map((code) => [code, 'write' as const])),
      createdByAccountId: null,
      passwordHash,
      audit: system,
    });
    if (created.outcome !== 'created') throw new Error(`seed: the demo admin was not created (${created.outcome})`);
    const admin = created.account;
    // No letter for the demo: its registration is settled from the start.
    await tx.update(adminRegistrations).set({ status: 'confirmed', decidedAt: now }).where(eq(adminRegistrations.accountId, admin.id));
    return { establishmentId: establishment.id, establishmentName: establishment.name, loginId: admin.loginId, password };
  });
}

/** The demo establishment and its first admin, for later starts to say where to log in. */
export async function findDemo(db: Database): Promise<Omit<SeededDemo, 'password'> | undefined> {
  const [demo] = await db
    .select({ establishmentId: establishments.id, establishmentName: establishments.name, loginId: accounts.loginId })
    .from(accounts)
    .innerJoin(establishments, eq(establishments.id, accounts.establishmentId))
    .where(and(eq(establishments.siret, DEMO_ESTABLISHMENT.siret), eq(accounts.profile, 'admin')))
    .orderBy(asc(accounts.createdAt))
    .limit(1);
  return demo;
}
