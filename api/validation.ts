import type { Hook } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppEnv } from './env';
import { ApiError, type FieldError } from './errors';

// People read these messages: zod speaks French everywhere in the API.
z.config(z.locales.fr());

/** A field path as people and the history read it; a NUL inside a key is shown escaped (PostgreSQL refuses 0x00). */
const fieldPath = (path: PropertyKey[]) => path.map((p) => String(p).replaceAll('\u0000', '\\u0000')).join('.') || '(corps)';

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ field: fieldPath(issue.path), message: issue.message }));
}

const NUL_MESSAGE = 'Le caractère nul (U+0000) n’est pas accepté.';

/** Paths of every string (value or key) holding a NUL character: PostgreSQL cannot store one. */
export function nulCharacterErrors(value: unknown, path: PropertyKey[] = []): FieldError[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [{ field: fieldPath(path), message: NUL_MESSAGE }] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => nulCharacterErrors(item, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [
      ...(key.includes('\u0000') ? [{ field: fieldPath([...path, key]), message: NUL_MESSAGE }] : []),
      ...nulCharacterErrors(item, [...path, key]),
    ]);
  }
  return [];
}

/**
 * Validation of any route goes through the same problem+json as every other error. Valid data is
 * also checked for NUL characters here, once for every route, before a handler can hand them to
 * PostgreSQL (which would answer with an error, i.e. a 500).
 */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  const errors = result.success ? nulCharacterErrors(result.data) : fieldErrors(result.error);
  if (errors.length > 0) {
    throw new ApiError('validation_failed', 'Certaines données sont invalides : corrigez les champs indiqués.', { errors });
  }
};
