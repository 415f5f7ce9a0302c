import { createMiddleware } from 'hono/factory';
import { parisDay } from '../../domain/dates';
import { findLiveSession } from '../../db/queries/sessions';
import { hashToken, isTokenOf } from '../../security/tokens';
import type { AppEnv } from '../env';

/**
 * Reads `Authorization: Bearer …` and sets `c.var.actor`: an establishment's account (live session of an
 * active account), the platform operator (token from configuration), or anonymous. Routes then demand
 * what they need (see access.ts); an unknown token is simply anonymous.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  c.set('actor', { type: 'anonymous' });
  const header = c.req.header('authorization');
  const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (token) {
    const { db, clock, config } = c.var.deps;
    const tokenHash = hashToken(token);
    if (isTokenOf(tokenHash, config.operatorToken)) {
      c.set('actor', { type: 'operator' });
    } else {
      const now = clock.now();
      const session = await findLiveSession(db, { tokenHash, now, today: parisDay(now) });
      if (session) c.set('actor', { type: 'account', account: session.account, sessionId: session.sessionId });
    }
  }
  await next();
});
