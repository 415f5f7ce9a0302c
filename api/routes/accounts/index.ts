/**
 * « Gestion des comptes »: an establishment's admins manage its accounts. Every route is scoped by the
 * establishment in the path (delegation works through it) and every query filters by it.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Db } from '../../../db/client';
import { accountsCsv } from '../../../db/queries/account-export';
import { type AccountFilters, findAccount, listAccounts, listPosition } from '../../../db/queries/accounts';
import { findEstablishment } from '../../../db/queries/establishments';
import {
  findIdempotentResponse,
  isUniqueViolation,
  requestFingerprint,
  storeIdempotentResponse,
} from '../../../db/queries/idempotency';
import { PROFILE_LABELS, STATUS_LABELS } from '../../../domain/account';
import { csvResponse } from '../../csv';
import { requireAccount } from '../../access';
import type { AppEnv } from '../../env';
import { ApiError } from '../../errors';
import { encodeCursor, type GroupBy } from '../../schemas/accounts';
import { paginationMeta } from '../../schemas/common';
import {
  type AccountScope,
  accountNotFound,
  applyAccountAction,
  applyToSelection,
  createAccount,
  ensureTemporalReachable,
  deleteAction,
  previewRenewal,
  renewAction,
  resendActivationAction,
  renewSelection,
  startAccountActivation,
  unblockAction,
  updateAction,
} from '../../../accounts';
import { clockOf, frenchMonth, loadDetail, presentCreated, presentSummary } from './present';
import { log } from '../../../logging/logger';
import {
  bulkDeleteRoute,
  bulkRenewRoute,
  createAccountRoute,
  deleteAccountRoute,
  exportAccountsRoute,
  exportSelectionRoute,
  getAccountRoute,
  listAccountsRoute,
  renewAccountRoute,
  resendActivationRoute,
  renewalPreviewRoute,
  unblockAccountRoute,
  updateAccountRoute,
} from './routes';

/** The establishment's accounts (those the list's filters keep, or the selection `ids`) as a CSV file, streamed. */
async function exportCsv(c: Context<AppEnv>, establishmentId: string, filters: Pick<AccountFilters, 'ids' | 'q' | 'status' | 'profile'>) {
  const scope = requestScope(c, establishmentId);
  const establishment = await findEstablishment(c.var.deps.db, establishmentId);
  // Awaited before answering: a database that cannot be reached is a 503, not a broken download.
  const rows = await accountsCsv(c.var.deps.db, { ...scope, ...filters });
  return csvResponse(c, rows, `comptes-${establishment?.siret ?? establishmentId}-${scope.today}.csv`);
}

/** A cursor whose account left the establishment's list (deleted for good, or moved out of the group or filter). */
const cursorLost = () =>
  new ApiError('invalid_cursor', "La liste a changé depuis ce curseur de pagination : reprenez-la à sa première page.");

/** Who acts, for which establishment, when (access was checked by the route's guard). */
export function requestScope(c: Context<AppEnv>, establishmentId: string): AccountScope {
  return { actor: c.var.actor, requestId: c.var.requestId, establishmentId, lifecycles: c.var.deps, ...clockOf(c) };
}

function groupLabel(groupBy: GroupBy, key: string): string {
  switch (groupBy) {
    case 'profile':
      return PROFILE_LABELS[key as keyof typeof PROFILE_LABELS] ?? key;
    case 'status':
      return STATUS_LABELS[key as keyof typeof STATUS_LABELS] ?? key;
    case 'expiryMonth':
      return frenchMonth(key);
  }
}

async function accountDetail(db: Db, scope: AccountScope, accountId: string) {
  const account = await findAccount(db, { ...scope, accountId });
  if (!account) throw accountNotFound();
  return loadDetail(db, account, scope);
}

export function registerAccountRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(listAccountsRoute, async (c) => {
    const { establishmentId } = c.req.valid('param');
    const query = c.req.valid('query');
    const scope = requestScope(c, establishmentId);
    const { db } = c.var.deps;
    const pageSize = Number(query.pageSize);
    const after = query.after === undefined ? undefined : await listPosition(db, { ...scope, groupBy: query.groupBy }, query.after);
    if (query.after !== undefined && !after) throw cursorLost();
    const { items, total, groups, next, positionLost } = await listAccounts(db, {
      ...scope,
      q: query.q,
      status: query.status,
      profile: query.profile,
      groupBy: query.groupBy,
      page: query.page,
      pageSize,
      after,
    });
    if (positionLost) throw cursorLost();
    const groupBy = query.groupBy;
    return c.json(
      {
        items: items.map((a) => ({
          ...presentSummary(a, scope.now),
          ...(groupBy && a.groupKey !== undefined ? { group: { key: a.groupKey, label: groupLabel(groupBy, a.groupKey) } } : {}),
        })),
        ...(groupBy && groups ? { groups: groups.map((g) => ({ ...g, label: groupLabel(groupBy, g.key) })) } : {}),
        ...paginationMeta(query.page, pageSize, total),
        ...(after ? { page: null } : {}),
        nextCursor: next ? encodeCursor(next) : null,
      },
      200,
    );
  });

  // Before /accounts/{accountId}: `export.csv` is not an account id.
  app.openapi(exportAccountsRoute, (c) => exportCsv(c, c.req.valid('param').establishmentId, c.req.valid('query')));
  app.openapi(exportSelectionRoute, (c) => exportCsv(c, c.req.valid('param').establishmentId, { ids: c.req.valid('json').ids }));

  app.openapi(bulkDeleteRoute, async (c) => {
    const { establishmentId } = c.req.valid('param');
    const scope = requestScope(c, establishmentId);
    const { ids } = c.req.valid('json');
    return c.json(await applyToSelection(c.var.deps.db, scope, ids, deleteAction(ids)), 200);
  });

  app.openapi(bulkRenewRoute, async (c) => {
    const { establishmentId } = c.req.valid('param');
    const scope = requestScope(c, establishmentId);
    const { ids } = c.req.valid('json');
    await ensureTemporalReachable(c.var.deps, c.var.requestId);
    return c.json(await renewSelection(c.var.deps.db, scope, ids ? { ids } : { all: true }), 200);
  });

  app.openapi(renewalPreviewRoute, async (c) => {
    const { establishmentId } = c.req.valid('param');
    const { ids } = c.req.valid('json');
    return c.json(await previewRenewal(c.var.deps.db, requestScope(c, establishmentId), ids ? { ids } : { all: true }), 200);
  });

  app.openapi(createAccountRoute, async (c) => {
    const { establishmentId } = c.req.valid('param');
    const scope = requestScope(c, establishmentId);
    const { emailConfirmation: _confirmation, rights, ...coordinates } = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'];
    const { db } = c.var.deps;
    const actorId = requireAccount(c).id;
    const fingerprint = key ? requestFingerprint(`POST /establishments/${establishmentId}/accounts`, c.req.valid('json')) : '';

    const replay = async () => {
      const prior = key ? await findIdempotentResponse(db, actorId, key) : undefined;
      if (!prior) return undefined;
      if (prior.requestHash !== fingerprint) {
        throw new ApiError(
          'idempotency_key_reused',
          "Cette clé d'idempotence a déjà servi pour une autre demande : utilisez une nouvelle clé pour une nouvelle création.",
        );
      }
      return c.json(prior.responseBody as ReturnType<typeof presentCreated>, 201);
    };

    const replayed = await replay();
    if (replayed) return replayed;
    // Before the transaction opens: while Temporal is down, 503 without holding a connection.
    await ensureTemporalReachable(c.var.deps, c.var.requestId);

    try {
      const body = await db.transaction(async (tx) => {
        const { account, establishmentSiret } = await createAccount(tx, scope, establishmentId, coordinates, rights);
        const response = presentCreated(account, scope.now);
        if (key) {
          await storeIdempotentResponse(tx, { actorAccountId: actorId, key, requestHash: fingerprint, responseStatus: 201, responseBody: response });
        }
        await startAccountActivation(tx, scope, account, establishmentSiret);
        return response;
      });
      return c.json(body, 201);
    } catch (error) {
      // A concurrent request with the same key won the race: answer as it did.
      if (key && isUniqueViolation(error)) {
        const replayedLate = await replay();
        if (replayedLate) return replayedLate;
      }
      throw error;
    }
  });

  app.openapi(getAccountRoute, async (c) => {
    const { establishmentId, accountId } = c.req.valid('param');
    const scope = requestScope(c, establishmentId);
    return c.json(await accountDetail(c.var.deps.db, scope, accountId), 200);
  });

  app.openapi(updateAccountRoute, async (c) => {
    const { establishmentId, accountId } = c.req.valid('param');
    const scope = requestScope(c, establishmentId);
    await applyAccountAction(c.var.deps.db, scope, accountId, updateAction(c.req.valid('json')));
    return c.json(await accountDetail(c.var.deps.db, scope, accountId), 200);
  });

  app.openapi(deleteAccountRoute, async (c) => {
    const { establishmentId, accountId } = c.req.valid('param');
    const scope = requestScope(c, establishmentId);
    await applyAccountAction(c.var.deps.db, scope, accountId, deleteAction([accountId]));
    return c.body(null, 204);
  });

  app.openapi(renewAccountRoute, async (c) => {
    const { establishmentId, accountId } = c.req.valid('param');
    const scope = requestScope(c, establishmentId);
    // The renewal signals the validity workflow as its transaction's last step: Temporal is asked first.
    await ensureTemporalReachable(c.var.deps, c.var.requestId);
    const account = await applyAccountAction(c.var.deps.db, scope, accountId, renewAction);
    return c.json(presentSummary(account, scope.now), 200);
  });

  app.openapi(resendActivationRoute, async (c) => {
    const { establishmentId, accountId } = c.req.valid('param');
    // Temporal is asked before the rule's transaction opens: while it is down, 503 without holding a connection.
    await ensureTemporalReachable(c.var.deps, c.var.requestId);
    await applyAccountAction(c.var.deps.db, requestScope(c, establishmentId), accountId, resendActivationAction);
    return c.json({ message: 'Un nouveau courriel de création du mot de passe a été envoyé. Le lien précédent ne fonctionne plus.' }, 202);
  });

  app.openapi(unblockAccountRoute, async (c) => {
    const { establishmentId, accountId } = c.req.valid('param');
    const scope = requestScope(c, establishmentId);
    const account = await applyAccountAction(c.var.deps.db, scope, accountId, unblockAction);
    return c.json(presentSummary(account, scope.now), 200);
  });
}
