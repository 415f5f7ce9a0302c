import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import type { Deps } from './deps';
import type { AppEnv } from './env';
import { ApiError } from './errors';
import { authenticate } from './middleware/authenticate';
import { limitBodies } from './middleware/body-limit';
import { handleError, problemResponse } from './middleware/error-handler';
import { jsonBodies } from './middleware/json-body';
import { requestLog } from './middleware/request-log';
import { THROTTLES, throttle } from './middleware/throttle';
import { registerAccountRoutes } from './routes/accounts';
import { registerAdminRegistrationRoutes } from './routes/admin-registrations';
import { registerAttachmentRoutes } from './routes/attachments';
import { registerAuthRoutes } from './routes/auth';
import { registerDocs } from './routes/docs';
import { registerDelegationRoutes } from './routes/delegations';
import { registerEstablishmentRoutes } from './routes/establishments';
import { registerHealth } from './routes/health';
import { registerOperatorRoutes } from './routes/operator';
import { registerOperatorValidityRoutes } from './routes/operator-validity';
import { registerPages } from './routes/pages';
import { registerPasswordLinkRoutes } from './routes/password-links';
import { registerServiceRoutes } from './routes/services';
import { registerTermsRoutes } from './routes/terms';
import { documentMiddlewareAnswers } from './schemas/common';
import { validationHook } from './validation';

export function createApp(deps: Deps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use('*', requestId({ headerName: 'X-Request-Id' }));
  app.use('*', requestLog);
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.use('*', limitBodies(1024 * 1024));
  app.use('*', authenticate);
  app.use('*', jsonBodies);
  for (const path of Object.keys(THROTTLES) as (keyof typeof THROTTLES)[]) app.use(path, throttle(path));
  app.onError(handleError);
  app.notFound((c) => problemResponse(c, new ApiError('not_found', "Cette adresse n'existe pas.")));

  registerHealth(app);
  registerAuthRoutes(app);
  registerServiceRoutes(app);
  registerAccountRoutes(app);
  registerEstablishmentRoutes(app);
  registerOperatorRoutes(app);
  registerOperatorValidityRoutes(app);
  registerAdminRegistrationRoutes(app);
  registerAttachmentRoutes(app);
  registerDelegationRoutes(app);
  registerPasswordLinkRoutes(app);
  registerTermsRoutes(app);

  documentMiddlewareAnswers(app.openAPIRegistry.definitions, (path, method) => method === 'post' && path in THROTTLES);
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'http',
    scheme: 'bearer',
    description: 'Jeton de session obtenu par POST /auth/login',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'operator', {
    type: 'http',
    scheme: 'bearer',
    description: "Jeton de l'opérateur de la plateforme (variable OPERATOR_TOKEN)",
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: "PEP's — gestion des comptes",
      version: '0.1.0',
      description:
        "API du back office des comptes des employeurs publics. Les erreurs suivent la RFC 9457 (application/problem+json) avec un `code` stable et un message en français.",
    },
  });
  registerDocs(app);
  registerPages(app);

  return app;
}

export type App = ReturnType<typeof createApp>;
