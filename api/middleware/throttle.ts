/**
 * Throttling of the public endpoints (login, password links, forgotten password, forgotten login id):
 * per client address and per identifier, counted in PostgreSQL (shared by every API instance).
 * Beyond the limit: 429 with Retry-After. It answers before the route does any work (no scrypt, no
 * lookup, no email), so a flood costs one small write per request.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { hitRateLimit, purgeRateLimits } from '../../db/queries/rate-limits';
import { hashToken } from '../../security/tokens';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';

interface Limit {
  limit: number;
  windowSeconds: number;
}

interface EndpointThrottle {
  /** Every request from one client address. */
  address: Limit;
  /** Every request naming one identifier (login id, email, link token), whatever the address. */
  identifier: Limit;
  /** What the request names, from its JSON body; undefined when absent (validation will refuse it). */
  identifierOf(body: Record<string, unknown>): string | undefined;
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim().toLowerCase() : undefined);

/** The limits, with their reasons in the README ("Throttling and lockout"). */
export const THROTTLES = {
  '/auth/login': {
    address: { limit: 30, windowSeconds: 5 * 60 },
    identifier: { limit: 20, windowSeconds: 15 * 60 },
    identifierOf: (body) => text(body.loginId),
  },
  '/auth/password': {
    address: { limit: 20, windowSeconds: 15 * 60 },
    identifier: { limit: 5, windowSeconds: 15 * 60 },
    identifierOf: (body) => text(body.token),
  },
  '/auth/forgot-password': {
    address: { limit: 10, windowSeconds: 15 * 60 },
    identifier: { limit: 3, windowSeconds: 15 * 60 },
    identifierOf: (body) => text(body.identifier),
  },
  '/auth/forgot-login-id': {
    address: { limit: 10, windowSeconds: 15 * 60 },
    identifier: { limit: 3, windowSeconds: 15 * 60 },
    identifierOf: (body) => text(body.email),
  },
} satisfies Record<string, EndpointThrottle>;

/**
 * The caller's address: the socket's peer, or, behind `TRUST_PROXY_HOPS` reverse proxies, the address
 * the outermost trusted proxy saw (earlier X-Forwarded-For entries are the caller's to forge).
 * Undefined for in-process calls (tests), which have no socket.
 */
export function clientAddress(c: Context<AppEnv>): string | undefined {
  const hops = c.var.deps.config.trustProxyHops;
  if (hops > 0) {
    const forwarded = (c.req.header('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const seen = forwarded[forwarded.length - hops];
    if (seen) return seen;
  }
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

function tooMany(windowEndsAt: Date, now: Date) {
  const seconds = Math.max(1, Math.ceil((windowEndsAt.getTime() - now.getTime()) / 1000));
  return new ApiError(
    'too_many_requests',
    `Trop de demandes en peu de temps : réessayez dans ${seconds < 120 ? `${seconds} secondes` : `${Math.ceil(seconds / 60)} minutes`}.`,
    {},
    { retryAfterSeconds: seconds },
  );
}

export function throttle(path: keyof typeof THROTTLES) {
  const rule: EndpointThrottle = THROTTLES[path];
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const { db, clock } = c.var.deps;
    const now = clock.now();
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = await c.req.json();
      if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
    } catch {
      // Not JSON: the route refuses it; the address is still counted.
    }
    const buckets: [string, Limit][] = [];
    const address = clientAddress(c);
    if (address) buckets.push([`${path}|address|${hashToken(address)}`, rule.address]);
    const identifier = rule.identifierOf(body);
    if (identifier) buckets.push([`${path}|identifier|${hashToken(identifier)}`, rule.identifier]);
    for (const [key, { limit, windowSeconds }] of buckets) {
      const { hits, windowEndsAt } = await hitRateLimit(db, key, windowSeconds, now);
      if (hits > limit) throw tooMany(windowEndsAt, now);
    }
    if (Math.random() < 0.01) await purgeRateLimits(db, new Date(now.getTime() - 24 * 3600_000));
    await next();
  });
}
