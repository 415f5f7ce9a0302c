/**
 * Renewal of a selection (or of every account) of one establishment, set-based: one statement updates
 * the accounts and appends their audit entries; the entries carry the batch's id so that the validity
 * workflows can be told afterwards, page by page, off the request path (workflows/validity-renewal.ts).
 */
import { and, asc, eq, gt, lte, ne, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { accounts, auditEvents, establishments } from '../schema';
import { effectiveStatus } from './account-status';

export const RENEW_ACTION = 'account.renew';

/** The actor columns of the batch's audit entries (see accounts/actor.ts auditActor). */
export interface RenewalAuditActor {
  requestId: string | null;
  actorType: 'account' | 'operator' | 'system' | 'anonymous';
  actorAccountId?: string | null;
  actorLabel?: string | null;
  actorEstablishmentId?: string | null;
}

/** One parameter for a list of ids, whatever its length (drizzle would send one parameter per element). */
const uuidList = (ids: string[]) => sql`string_to_array(${ids.join(',')}, ',')::uuid[]`;

function selected(establishmentId: string, ids: string[] | null): SQL {
  return and(
    eq(accounts.establishmentId, establishmentId),
    ne(accounts.status, 'deleted'),
    ids ? sql`${accounts.id} = any(${uuidList(ids)})` : undefined,
  )!;
}

/** How many accounts of the selection (null = all) a renewal would renew, and which selected ids it would not find. */
export async function renewalCandidates(db: Db, p: { establishmentId: string; ids: string[] | null }) {
  if (!p.ids) {
    const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(accounts).where(selected(p.establishmentId, null));
    return { count: row!.n, missing: [] as string[] };
  }
  const found = new Set((await db.select({ id: accounts.id }).from(accounts).where(selected(p.establishmentId, p.ids))).map((r) => r.id));
  return { count: found.size, missing: p.ids.filter((id) => !found.has(id)) };
}

/**
 * Sets `expiresOn` on every selected account that is not deleted (expired ones included: renewal is
 * the one action they accept) and appends one `account.renew` entry per account with its before and
 * after, all in one statement. Returns the renewed accounts and the range of their audit entries' ids.
 */
export async function renewAccounts(
  db: Db,
  p: { establishmentId: string; ids: string[] | null; expiresOn: string; today: string; now: Date; batchId: string; actor: RenewalAuditActor },
) {
  const before = effectiveStatus(p.today, p.now);
  const rows = (await db.execute(sql`
    with target as (
      select ${accounts.id} as id, ${accounts.expiresOn} as expires_on, ${before} as status
      from ${accounts} where ${selected(p.establishmentId, p.ids)}
      for update
    ), renewed as (
      update ${accounts} set expires_on = ${p.expiresOn}::date, updated_at = ${p.now.toISOString()}::timestamptz
      from target where ${accounts.id} = target.id
      returning ${accounts.id} as id, ${accounts.loginId} as login_id, target.expires_on as before_expires_on,
        target.status as before_status, ${effectiveStatus(p.today, p.now)} as after_status
    ), logged as (
      insert into ${auditEvents} (request_id, actor_type, actor_account_id, actor_label, actor_establishment_id,
        establishment_id, target_account_id, action, outcome, before, after, detail)
      select ${p.actor.requestId}, ${p.actor.actorType}::actor_type, ${p.actor.actorAccountId ?? null}::uuid,
        ${p.actor.actorLabel ?? null}, ${p.actor.actorEstablishmentId ?? null}::uuid, ${p.establishmentId}::uuid, renewed.id,
        ${RENEW_ACTION}, 'success',
        jsonb_build_object('expiresOn', renewed.before_expires_on, 'status', renewed.before_status),
        jsonb_build_object('expiresOn', ${p.expiresOn}::text, 'status', renewed.after_status),
        jsonb_build_object('batch', ${p.batchId}::text)
      from renewed order by renewed.id
      returning id
    )
    select renewed.id, renewed.login_id as "loginId",
      (select min(id) from logged)::bigint::text as "firstAuditId", (select max(id) from logged)::bigint::text as "lastAuditId"
    from renewed
  `)) as unknown as { id: string; loginId: string; firstAuditId: string | null; lastAuditId: string | null }[];
  return {
    renewed: rows.map((r) => ({ id: r.id, loginId: r.loginId })),
    firstAuditId: rows[0] ? Number(rows[0].firstAuditId) : null,
    lastAuditId: rows[0] ? Number(rows[0].lastAuditId) : null,
  };
}

/** One `refused` entry per selected id that was not found in the establishment, in one INSERT. */
export async function recordRenewalRefusals(
  db: Db,
  p: { establishmentId: string; missing: string[]; code: string; detail: string; actor: RenewalAuditActor },
) {
  if (p.missing.length === 0) return;
  await db.execute(sql`
    insert into ${auditEvents} (request_id, actor_type, actor_account_id, actor_label, actor_establishment_id,
      establishment_id, target_account_id, action, outcome, detail)
    select ${p.actor.requestId}, ${p.actor.actorType}::actor_type, ${p.actor.actorAccountId ?? null}::uuid,
      ${p.actor.actorLabel ?? null}, ${p.actor.actorEstablishmentId ?? null}::uuid, ${p.establishmentId}::uuid, null,
      ${RENEW_ACTION}, 'refused', jsonb_build_object('code', ${p.code}::text, 'detail', ${p.detail}::text, 'accountId', missing.id)
    from unnest(${uuidList(p.missing)}) as missing(id)
  `);
}

/**
 * A page of a renewal batch's accounts, in audit-entry order after `afterAuditId`, with what their
 * validity workflow needs: the expiry the database holds now (a later renewal wins) and the SIRET.
 */
export async function renewalBatchPage(
  db: Db,
  p: { establishmentId: string; batchId: string; afterAuditId: number; lastAuditId: number; limit: number },
) {
  return db
    .select({
      auditId: auditEvents.id,
      id: accounts.id,
      loginId: accounts.loginId,
      expiresOn: accounts.expiresOn,
      status: accounts.status,
      siret: establishments.siret,
    })
    .from(auditEvents)
    .innerJoin(accounts, eq(accounts.id, auditEvents.targetAccountId))
    .innerJoin(establishments, eq(establishments.id, accounts.establishmentId))
    .where(
      and(
        eq(auditEvents.establishmentId, p.establishmentId),
        gt(auditEvents.id, p.afterAuditId),
        lte(auditEvents.id, p.lastAuditId),
        eq(auditEvents.action, RENEW_ACTION),
        sql`${auditEvents.detail}->>'batch' = ${p.batchId}`,
      ),
    )
    .orderBy(asc(auditEvents.id))
    .limit(p.limit);
}
