/**
 * The pages people open in a browser: the administrators' console (at / and under /console/, where
 * the emails lead), its built files (/static/…) and the password page's script (/assets/…).
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { CONSOLE_HTML, consoleAsset, consoleBuilt, consoleNotBuiltPage } from '../pages/console';
import { PAGE_SCRIPTS } from '../pages/scripts';

function consolePage(c: Context<AppEnv>) {
  c.header('cache-control', 'no-cache');
  return consoleBuilt() ? c.html(CONSOLE_HTML) : c.html(consoleNotBuiltPage(), 503);
}

export function registerPages(app: OpenAPIHono<AppEnv>) {
  app.get('/', consolePage);
  app.get('/console', consolePage);
  app.get('/console/*', consolePage);
  app.get('/static/*', (c) => {
    const asset = consoleAsset(decodeURIComponent(c.req.path.slice('/static/'.length)));
    if (!asset) return c.notFound();
    return c.body(new Uint8Array(asset.body), 200, { 'content-type': asset.type, 'cache-control': 'no-cache' });
  });
  app.get('/assets/:name', (c) => {
    const script = PAGE_SCRIPTS[c.req.param('name')];
    if (script === undefined) return c.notFound();
    return c.body(script, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });
  });
}
