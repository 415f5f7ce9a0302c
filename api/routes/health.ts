import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { pingDatabase } from '../../db/client';
import type { AppEnv } from '../env';

const CHECK_TIMEOUT_MS = 2_000;

const check = z
  .object({
    status: z.enum(['up', 'down']).openapi({ example: 'up' }),
    latencyMs: z.number().openapi({ description: 'Temps de réponse de la vérification', example: 3 }),
    error: z.string().optional().openapi({ description: 'Cause, quand la dépendance ne répond pas' }),
  })
  .openapi('HealthCheck');

const health = z
  .object({
    status: z.enum(['ok', 'degraded']).openapi({ example: 'ok' }),
    checks: z.object({ database: check, temporal: check }),
  })
  .openapi('Health');

const route = createRoute({
  method: 'get',
  path: '/health',
  tags: ['Supervision'],
  summary: 'État du service',
  description: 'Vérifie séparément PostgreSQL et Temporal. 503 dès que l’un des deux ne répond pas.',
  responses: {
    200: { description: 'Tout répond', content: { 'application/json': { schema: health } } },
    503: { description: 'Une dépendance ne répond pas', content: { 'application/json': { schema: health } } },
  },
});

async function probe(run: () => Promise<unknown>): Promise<z.infer<typeof check>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'up', latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { status: 'down', latencyMs: Math.round(performance.now() - started), error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export function registerHealth(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { db, temporal } = c.var.deps;
    const [database, temporalCheck] = await Promise.all([
      probe(() => pingDatabase(db)),
      probe(() =>
        temporal.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () =>
          temporal.connection.workflowService.getSystemInfo({}),
        ),
      ),
    ]);
    const ok = database.status === 'up' && temporalCheck.status === 'up';
    return c.json({ status: ok ? 'ok' : 'degraded', checks: { database, temporal: temporalCheck } }, ok ? 200 : 503);
  });
}
