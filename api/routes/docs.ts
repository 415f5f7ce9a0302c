/**
 * `/docs`: the API reference, readable without internet. Swagger UI's prebuilt bundle comes from the
 * `swagger-ui-dist` npm package and is served by the API itself; nothing is loaded from a CDN.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env';

const dist = path.dirname(require.resolve('swagger-ui-dist/package.json'));

// The browser script that starts Swagger UI; a file rather than an inline script so that a strict
// Content-Security-Policy (script-src 'self') keeps working.
const INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#api', deepLinking: true, docExpansion: 'list',
    defaultModelsExpandDepth: 0, tryItOutEnabled: false });
});
`;

const ASSETS: Record<string, { file?: string; body?: string; type: string }> = {
  'swagger-ui.css': { file: 'swagger-ui.css', type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'text/javascript; charset=utf-8' },
  'init.js': { body: INIT, type: 'text/javascript; charset=utf-8' },
};

const PAGE = `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PEP's — API de gestion des comptes</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="api"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>`;

export function registerDocs(app: OpenAPIHono<AppEnv>) {
  const cache = new Map<string, string>();
  app.get('/docs', (c) => c.html(PAGE));
  app.get('/docs/assets/:name', (c) => {
    const asset = ASSETS[c.req.param('name')];
    if (!asset) return c.notFound();
    const name = c.req.param('name');
    let body = cache.get(name);
    if (body === undefined) {
      body = asset.body ?? readFileSync(path.join(dist, asset.file!), 'utf8');
      cache.set(name, body);
    }
    return c.body(body, 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=3600' });
  });
}
