/** The pages people open in a browser: the home page (where the emails lead) and their scripts. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { homePage } from '../pages/home';
import { PAGE_SCRIPTS } from '../pages/scripts';

export function registerPages(app: OpenAPIHono<AppEnv>) {
  app.get('/', (c) => c.html(homePage()));
  app.get('/assets/:name', (c) => {
    const script = PAGE_SCRIPTS[c.req.param('name')];
    if (script === undefined) return c.notFound();
    return c.body(script, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });
  });
}
