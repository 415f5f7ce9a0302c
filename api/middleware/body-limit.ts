/**
 * Request bodies over the limit are refused (413, `payload_too_large`). Hono's `bodyLimit` reads
 * `c.req.raw.body`, and on Node that read alone makes @hono/node-server build a whole web `Request`
 * around the socket's stream, which the route's JSON is then read through: a cost paid by every
 * request with a body (README « Creation: the request as HTTP clients send it »). A body whose declared
 * length is within the limit needs no counting — Node's HTTP parser never hands over more bytes than
 * `Content-Length` says — and GET and HEAD requests have none. Everything else (a chunked body, a
 * declared length over the limit) goes through Hono's `bodyLimit`, which counts the bytes as they come.
 */
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';

const BODILESS = new Set(['GET', 'HEAD']);

export function limitBodies(maxSize: number) {
  const counted = bodyLimit({ maxSize });
  return createMiddleware(async (c, next) => {
    if (BODILESS.has(c.req.method)) return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined && Number(declared) <= maxSize) return next();
    return counted(c, next);
  });
}
