import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { routePath } from 'hono/route';
import { recordAudit } from '../../db/queries/audit';
import { accountIdWithin } from '../../db/queries/accounts';
import { AccountRuleError, auditActor } from '../../accounts';
import type { AppEnv } from '../env';
import { ApiError, type Problem, serviceUnavailable, toProblem } from '../errors';
import { errorCodes, isDatabaseUnavailable } from '../../db/outage';
import { log } from '../../logging/logger';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function problemResponse(c: Context<AppEnv>, error: ApiError): Response {
  const body: Problem = toProblem(error, new URL(c.req.url).pathname, c.var.requestId);
  const headers: Record<string, string> = { 'Content-Type': 'application/problem+json; charset=utf-8' };
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
  return c.body(JSON.stringify(body), error.status as ContentfulStatusCode, headers);
}

function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof AccountRuleError) return ApiError.fromRule(error);
  if (error instanceof HTTPException) {
    if (error.status === 400) return new ApiError('invalid_json', "Le corps de la requête n'est pas un JSON valide.");
    if (error.status === 413) return new ApiError('payload_too_large', 'La requête est trop volumineuse.');
  }
  if (isDatabaseUnavailable(error)) return serviceUnavailable();
  return new ApiError('internal_error', 'Une erreur inattendue est survenue. Réessayez plus tard.');
}

/**
 * The account a refusal is about, only when it belongs to the establishment of the operation: the
 * history shows a target's login id, and an id typed by someone else's admin must not reveal it.
 */
async function targetWithin(c: Context<AppEnv>): Promise<string | undefined> {
  const { auditTargetAccountId: accountId, auditEstablishmentId: establishmentId } = c.var;
  if (!accountId || !establishmentId) return undefined;
  return accountIdWithin(c.var.deps.db, accountId, establishmentId);
}

/**
 * One error path for the whole API. A refused change leaves exactly one trace: its audit entry,
 * written here after the transaction that would have made the change was rolled back.
 */
export async function handleError(error: unknown, c: Context<AppEnv>): Promise<Response> {
  const apiError = asApiError(error);
  if (apiError.code === 'internal_error') {
    log.error({ err: error }, 'request failed');
  } else if (apiError.code === 'service_unavailable' && !(error instanceof ApiError)) {
    // The database could not be reached, even after db/outage.ts waited for it. Codes only: the
    // driver's error carries the query's parameters (personal data).
    log.warn({ codes: errorCodes(error) }, 'database unavailable');
  }
  // A throttled request is not recorded: under a flood, one write per request is already the counter's.
  if (MUTATING.has(c.req.method) && apiError.status < 500 && apiError.code !== 'too_many_requests' && c.var.deps) {
    try {
      await recordAudit(c.var.deps.db, {
        ...auditActor(c.var.actor ?? { type: 'anonymous' }),
        requestId: c.var.requestId,
        action: c.var.auditAction ?? `${c.req.method} ${routePath(c)}`,
        outcome: 'refused',
        establishmentId: c.var.auditEstablishmentId,
        targetAccountId: await targetWithin(c),
        detail: { code: apiError.code, detail: apiError.detail, errors: apiError.extra.errors },
      });
    } catch (auditError) {
      log.error({ err: auditError }, 'audit of refusal failed');
    }
  }
  return problemResponse(c, apiError);
}
