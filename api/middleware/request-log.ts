/**
 * Every log line written while a request is handled carries its id (the `X-Request-Id` the client
 * sent, or a new one; echoed in the response and in problem+json). One line per request at `info`
 * (method, route, status, duration), its headers at `debug` (secrets censored by the logger). The
 * query string is never logged: a password link carries its token there.
 */
import type { MiddlewareHandler } from 'hono';
import { log, withRequestId } from '../../logging/logger';
import type { AppEnv } from '../env';

export const requestLog: MiddlewareHandler<AppEnv> = (c, next) =>
  withRequestId(c.var.requestId, async () => {
    const started = performance.now();
    const path = new URL(c.req.url).pathname;
    // Checked first: the headers' copy would be made for every request even when debug lines are dropped.
    if (log.isLevelEnabled('debug')) log.debug({ method: c.req.method, path, headers: Object.fromEntries(c.req.raw.headers) }, 'request');
    await next();
    log.info({ method: c.req.method, path, status: c.res.status, durationMs: Math.round(performance.now() - started) }, 'response');
  });
