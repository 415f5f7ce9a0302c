import type { Hook } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppEnv } from './env';
import { ApiError, type FieldError } from './errors';

// People read these messages: zod speaks French everywhere in the API.
z.config(z.locales.fr());

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ field: issue.path.map(String).join('.') || '(corps)', message: issue.message }));
}

/** Validation failures of any route go through the same problem+json as every other error. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) {
    throw new ApiError('validation_failed', 'Certaines données sont invalides : corrigez les champs indiqués.', {
      errors: fieldErrors(result.error),
    });
  }
};
