/** The service catalogue (themes and services), as data: a migration adds a service, not code. */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { listCatalogue } from '../../db/queries/services';
import { RIGHT_LABELS, RIGHT_LEVELS } from '../../domain/account';
import type { AppEnv } from '../env';
import { anyAuthenticated } from '../middleware/guards';
import { errorResponses, operatorSecurity, sessionSecurity } from '../schemas/common';

const CatalogueSchema = z
  .object({
    themes: z.array(
      z.object({
        code: z.string().openapi({ description: 'Code de la thématique', example: 'carriere' }),
        label: z.string().openapi({ description: 'Libellé', example: 'Carrière' }),
        services: z.array(
          z.object({
            code: z.string().openapi({ description: 'Code du service (clé des droits)', example: 'affiliation-cnracl' }),
            label: z.string().openapi({ description: 'Libellé', example: 'Affiliation CNRACL' }),
          }),
        ),
      }),
    ),
    levels: z
      .array(
        z.object({
          level: z.enum(RIGHT_LEVELS).openapi({ description: 'Droit', example: 'read' }),
          label: z.string().openapi({ description: 'Libellé', example: 'Lecture seule' }),
        }),
      )
      .openapi({ description: 'Les droits possibles, dans l’ordre des colonnes du guide' }),
  })
  .openapi('Catalogue');

const catalogueRoute = createRoute({
  method: 'get',
  path: '/services',
  // Accounts and the operator (who sets establishments' default rights).
  middleware: [anyAuthenticated()] as const,
  tags: ['Services'],
  summary: 'Catalogue des services',
  description: 'Les thématiques et leurs services, dans l’ordre du guide, avec les droits possibles.',
  security: [...sessionSecurity, ...operatorSecurity],
  responses: {
    200: { description: 'Le catalogue', content: { 'application/json': { schema: CatalogueSchema } } },
    ...errorResponses(),
  },
});

export function registerServiceRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(catalogueRoute, async (c) => {
    const themes = await listCatalogue(c.var.deps.db);
    return c.json({ themes, levels: RIGHT_LEVELS.map((level) => ({ level, label: RIGHT_LABELS[level] })) }, 200);
  });
}
