import { z } from '@hono/zod-openapi';
import { ERRORS, type ErrorCode } from '../errors';

/** RFC 9457 body shared by every error answer (see api/errors.ts). */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ description: 'URN du type de problème', example: 'urn:peps:problem:validation_failed' }),
    title: z.string().openapi({ description: 'Intitulé du code, en français', example: 'Données invalides' }),
    status: z.number().int().openapi({ description: 'Statut HTTP', example: 400 }),
    detail: z.string().openapi({
      description: 'Explication pour la personne, en français',
      example: 'Certaines données sont invalides : corrigez les champs indiqués.',
    }),
    code: z.string().openapi({ description: 'Code stable, pour les programmes', example: 'validation_failed' }),
    instance: z.string().openapi({ description: 'Chemin de la requête', example: '/establishments/…/accounts' }),
    requestId: z.string().openapi({ description: 'Identifiant de la requête (en-tête X-Request-Id)', example: 'b7c1…' }),
    errors: z
      .array(
        z.object({
          field: z.string().openapi({ description: 'Chemin du champ', example: 'emailConfirmation' }),
          message: z.string().openapi({ description: 'Message pour la personne', example: 'Les deux courriels diffèrent.' }),
        }),
      )
      .optional()
      .openapi({ description: 'Erreurs champ par champ (validation)' }),
    accountStatus: z
      .enum(['pending_activation', 'expired', 'deleted'])
      .optional()
      .openapi({ description: 'État du compte quand il explique le refus (`account_not_usable`)', example: 'pending_activation' }),
  })
  .openapi('Problem');

const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

const RETRY_AFTER = {
  'Retry-After': { description: 'Secondes à attendre avant de réessayer', schema: { type: 'integer' as const, example: 300 } },
};

/**
 * The answers of the middleware every route goes through, which the routes themselves do not
 * declare: 415 for a route with a JSON body (api/middleware/json-body.ts), 429 for a throttled one
 * (api/middleware/throttle.ts). Added to the registered routes once, before the document is served.
 */
export function documentMiddlewareAnswers(
  definitions: { type: string; route?: { path: string; method: string; request?: { body?: { content?: object } }; responses: Record<string, unknown> } }[],
  throttled: (path: string, method: string) => boolean,
) {
  for (const definition of definitions) {
    const route = definition.type === 'route' ? definition.route : undefined;
    if (!route) continue;
    if (route.request?.body?.content && 'application/json' in route.request.body.content) {
      route.responses[415] ??= { description: `\`unsupported_media_type\` : ${ERRORS.unsupported_media_type.title} (le corps doit être du JSON)`, content: problemContent };
    }
    if (throttled(route.path, route.method)) {
      route.responses[429] ??= {
        description: `\`too_many_requests\` : ${ERRORS.too_many_requests.title} (par adresse et par identifiant ; voir Retry-After)`,
        headers: RETRY_AFTER,
        content: problemContent,
      };
    }
  }
}

/** OpenAPI entries for the error answers a route may give, grouped by HTTP status. */
export function errorResponses(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of ['validation_failed', 'unauthenticated', ...codes] as ErrorCode[]) {
    const status = ERRORS[code].status;
    const list = byStatus.get(status) ?? [];
    if (!list.includes(code)) list.push(code);
    byStatus.set(status, list);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      { description: list.map((code) => `\`${code}\` : ${ERRORS[code].title}`).join(' ; '), content: problemContent },
    ]),
  );
}

export const uuidSchema = (description: string) =>
  z.uuid({ error: 'Identifiant invalide.' }).openapi({ description, example: '0b8f3c1e-4c8a-4a57-9d55-0d3c5a1f2b77' });

export const EstablishmentParams = z.object({
  establishmentId: uuidSchema('Établissement concerné (le sien, ou un établissement qui lui a délégué la gestion)').openapi({
    param: { name: 'establishmentId', in: 'path' },
  }),
});

export const AccountParams = EstablishmentParams.extend({
  accountId: uuidSchema('Compte concerné').openapi({ param: { name: 'accountId', in: 'path' } }),
});

export const EstablishmentRefSchema = z
  .object({
    id: z.string().openapi({ description: "Identifiant de l'établissement", example: '3f1c2b9e-8d1a-4a57-9d55-0d3c5a1f2b77' }),
    name: z.string().openapi({ description: 'Nom', example: 'COMMUNE DE DEMO' }),
    siret: z.string().openapi({ description: 'SIRET', example: '21330063500017' }),
  })
  .openapi('EstablishmentRef');

export const PAGE_SIZES = ['25', '50', '100'] as const;

export const PaginationQuery = z.object({
  page: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(1)
    .openapi({ description: 'Numéro de page, à partir de 1', example: 1 }),
  pageSize: z
    .enum(PAGE_SIZES)
    .default('25')
    .openapi({ description: 'Résultats par page : 25 (par défaut), 50 ou 100', example: '25' }),
});

export const PaginationMeta = {
  page: z.number().int().openapi({ description: 'Page renvoyée', example: 1 }),
  pageSize: z.number().int().openapi({ description: 'Résultats par page', example: 25 }),
  total: z.number().int().openapi({ description: 'Nombre total de résultats (toutes pages)', example: 7 }),
  pageCount: z.number().int().openapi({ description: 'Nombre de pages', example: 1 }),
};

export function paginationMeta(page: number, pageSize: number, total: number) {
  return { page, pageSize, total, pageCount: Math.max(1, Math.ceil(total / pageSize)) };
}

export const isoDay = (description: string) =>
  z.string().openapi({ description: `${description} (jour calendaire, AAAA-MM-JJ, heure de Paris)`, example: '2025-09-18', format: 'date' });

export const instant = (description: string) =>
  z.string().openapi({ description: `${description} (instant ISO 8601)`, example: '2024-03-18T09:30:00.000Z', format: 'date-time' });

/** A calendar day given by the caller: AAAA-MM-JJ, and a day that exists (no 2026-02-30). */
export const dayInput = (description: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Date attendue au format AAAA-MM-JJ.')
    .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), 'Cette date n’existe pas.')
    .openapi({ description: `${description} (AAAA-MM-JJ, heure de Paris)`, example: '2026-11-23', format: 'date' });

export const sessionSecurity = [{ session: [] }];
export const operatorSecurity = [{ operator: [] }];
