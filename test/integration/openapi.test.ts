import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/harness';

const t = useTestApp();

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document describing every route, with a docs page', async () => {
    const res = await t.request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const result = await validate(structuredClone(res.body));
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/auth/login',
        '/auth/password',
        '/me',
        '/establishments/{establishmentId}/accounts',
        '/establishments/{establishmentId}/accounts/{accountId}/resend-activation',
        '/establishments/{establishmentId}/history',
        '/operator/establishments',
      ]),
    );
    const docs = await t.request('GET', '/docs');
    expect(docs.status).toBe(200);
    expect((await t.request('GET', '/docs/assets/init.js')).text).toContain("url: '/openapi.json'");
  });

  it('serves the docs page with its scripts from the API itself, nothing from another host', async () => {
    const docs = await t.request('GET', '/docs');
    const sources = [...docs.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(source, 'a local path').toMatch(/^\/docs\/assets\//);
      const asset = await t.request('GET', source);
      expect(asset.status).toBe(200);
      expect(asset.text.length).toBeGreaterThan(100);
    }
    expect((await t.request('GET', '/docs/assets/nope.js')).status).toBe(404);
  });
});
