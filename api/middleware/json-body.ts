/**
 * Every request body of this API is JSON. A body of another media type is refused (415) before any
 * route sees it, instead of being read as an empty object; a PATCH or PUT without a body is refused
 * (400), since an empty change would silently answer 200.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
const BODY_REQUIRED = new Set(['PUT', 'PATCH']);
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;

export const jsonBodies = createMiddleware<AppEnv>(async (c, next) => {
  if (WITH_BODY.has(c.req.method)) {
    // Cached by Hono: the route's validator reads the same text again without touching the stream.
    // Not `c.req.raw.body === null` first: on Node that read builds a web Request (api/middleware/body-limit.ts).
    const text = await c.req.text();
    if (text.length === 0) {
      if (BODY_REQUIRED.has(c.req.method)) {
        throw new ApiError('invalid_json', 'Le corps de la requête est requis : un objet JSON des champs à modifier.');
      }
    } else {
      const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim();
      if (!JSON_TYPE.test(mediaType)) {
        throw new ApiError(
          'unsupported_media_type',
          `Le corps de la requête doit être du JSON (Content-Type: application/json)${mediaType ? `, pas « ${mediaType.slice(0, 100)} »` : ''}.`,
        );
      }
    }
  }
  await next();
});
