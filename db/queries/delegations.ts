/**
 * Multi-account access: attachments (an establishment's `centralEstablishmentId`) and delegation
 * requests (one row per request; `requested` and `accepted` are the living ones).
 */
import { and, desc, eq, inArray, isNull, or } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../client';
import { type Delegation, delegations, type DelegationStatus, establishments } from '../schema';

const central = alias(establishments, 'central');
const delegating = alias(establishments, 'delegating');

/**
 * True when `delegatingId` has an accepted delegation to `centralId` and is still attached to it.
 * The attachment is checked here too, so that the operator's detachment cuts access at once, before
 * the workflow has recorded the end.
 */
export async function hasAcceptedDelegation(db: Db, centralId: string, delegatingId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: delegations.id })
    .from(delegations)
    .innerJoin(delegating, eq(delegating.id, delegations.delegatingEstablishmentId))
    .where(
      and(
        eq(delegations.centralEstablishmentId, centralId),
        eq(delegations.delegatingEstablishmentId, delegatingId),
        eq(delegations.status, 'accepted'),
        eq(delegating.centralEstablishmentId, centralId),
      ),
    )
    .limit(1);
  return row !== undefined;
}

export async function findDelegation(db: Db, id: string, options: { lock?: boolean } = {}): Promise<Delegation | undefined> {
  const query = db.select().from(delegations).where(eq(delegations.id, id));
  const [row] = options.lock ? await query.for('update') : await query;
  return row;
}

/** A delegation with both establishments (id, SIRET, name), as emails and history name them. */
export async function findDelegationWithParties(db: Db, id: string) {
  const [row] = await db
    .select({
      delegation: delegations,
      central: { id: central.id, siret: central.siret, name: central.name },
      delegating: { id: delegating.id, siret: delegating.siret, name: delegating.name },
    })
    .from(delegations)
    .innerJoin(central, eq(central.id, delegations.centralEstablishmentId))
    .innerJoin(delegating, eq(delegating.id, delegations.delegatingEstablishmentId))
    .where(eq(delegations.id, id));
  return row;
}

export type DelegationWithParties = NonNullable<Awaited<ReturnType<typeof findDelegationWithParties>>>;

export const LIVING_STATUSES: DelegationStatus[] = ['requested', 'accepted'];

/** The living delegation (requested or accepted) of a pair, if any. */
export async function findLivingDelegation(db: Db, centralId: string, delegatingId: string) {
  const [row] = await db
    .select()
    .from(delegations)
    .where(
      and(
        eq(delegations.centralEstablishmentId, centralId),
        eq(delegations.delegatingEstablishmentId, delegatingId),
        inArray(delegations.status, LIVING_STATUSES),
      ),
    );
  return row;
}

/** Living delegations touching an establishment, on either side. */
export async function listLivingDelegationsOf(db: Db, establishmentId: string) {
  return db
    .select()
    .from(delegations)
    .where(
      and(
        or(eq(delegations.centralEstablishmentId, establishmentId), eq(delegations.delegatingEstablishmentId, establishmentId)),
        inArray(delegations.status, LIVING_STATUSES),
      ),
    );
}

export async function insertDelegationRequest(
  db: Db,
  values: { centralEstablishmentId: string; delegatingEstablishmentId: string; workflowId: string; requestedByAccountId: string; now: Date },
): Promise<Delegation> {
  const { now, ...rest } = values;
  const [row] = await db
    .insert(delegations)
    .values({ ...rest, status: 'requested', createdAt: now, updatedAt: now })
    .returning();
  return row!;
}

/** Moves a delegation from one of `from` to a new status; undefined when it was not in one of them. */
export async function transitionDelegation(
  db: Db,
  id: string,
  from: DelegationStatus[],
  set: Partial<Omit<Delegation, 'id' | 'centralEstablishmentId' | 'delegatingEstablishmentId' | 'workflowId' | 'createdAt'>>,
) {
  const [row] = await db
    .update(delegations)
    .set(set)
    .where(and(eq(delegations.id, id), inArray(delegations.status, from)))
    .returning();
  return row;
}

export async function setDelegationFields(db: Db, id: string, set: { lapsesAt?: Date; reminderSentAt?: Date; updatedAt: Date }) {
  await db.update(delegations).set(set).where(eq(delegations.id, id));
}

/**
 * The central establishment's view: every establishment attached to it, with its latest delegation
 * (null when none was ever asked).
 */
export async function listAttachedWithDelegation(db: Db, centralId: string) {
  const latest = db
    .selectDistinctOn([delegations.delegatingEstablishmentId])
    .from(delegations)
    .where(eq(delegations.centralEstablishmentId, centralId))
    .orderBy(delegations.delegatingEstablishmentId, desc(delegations.createdAt))
    .as('latest');
  return db
    .select({
      establishment: { id: establishments.id, siret: establishments.siret, name: establishments.name },
      delegation: {
        id: latest.id,
        status: latest.status,
        createdAt: latest.createdAt,
        lapsesAt: latest.lapsesAt,
        decidedAt: latest.decidedAt,
        endedAt: latest.endedAt,
        endReason: latest.endReason,
      },
    })
    .from(establishments)
    .leftJoin(latest, eq(latest.delegatingEstablishmentId, establishments.id))
    .where(eq(establishments.centralEstablishmentId, centralId))
    .orderBy(establishments.name, establishments.id);
}

/** The delegating establishment's view: requests to answer and active delegations. */
export async function listLivingAsDelegating(db: Db, delegatingId: string) {
  return db
    .select({
      establishment: { id: central.id, siret: central.siret, name: central.name },
      delegation: delegations,
    })
    .from(delegations)
    .innerJoin(central, eq(central.id, delegations.centralEstablishmentId))
    .where(and(eq(delegations.delegatingEstablishmentId, delegatingId), inArray(delegations.status, LIVING_STATUSES)))
    .orderBy(desc(delegations.createdAt));
}

/** The establishments whose accounts the people of `centralId` may manage now. */
export async function listActingFor(db: Db, centralId: string) {
  return db
    .select({ id: delegating.id, siret: delegating.siret, name: delegating.name })
    .from(delegations)
    .innerJoin(delegating, eq(delegating.id, delegations.delegatingEstablishmentId))
    .where(
      and(
        eq(delegations.centralEstablishmentId, centralId),
        eq(delegations.status, 'accepted'),
        eq(delegating.centralEstablishmentId, centralId),
      ),
    )
    .orderBy(delegating.name);
}

/** Attaches `establishmentId` to `centralId` unless it is attached elsewhere; returns the row as it stands. */
export async function attachEstablishment(db: Db, establishmentId: string, centralId: string, now: Date) {
  const [row] = await db
    .update(establishments)
    .set({ centralEstablishmentId: centralId, updatedAt: now })
    .where(
      and(
        eq(establishments.id, establishmentId),
        or(isNull(establishments.centralEstablishmentId), eq(establishments.centralEstablishmentId, centralId)),
      ),
    )
    .returning({ id: establishments.id });
  return row !== undefined;
}

export async function detachEstablishment(db: Db, establishmentId: string, centralId: string, now: Date) {
  const [row] = await db
    .update(establishments)
    .set({ centralEstablishmentId: null, updatedAt: now })
    .where(and(eq(establishments.id, establishmentId), eq(establishments.centralEstablishmentId, centralId)))
    .returning({ id: establishments.id });
  return row !== undefined;
}
