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
    expect(docs.text).toContain('/openapi.json');
  });

  it('rejects what it is given to check when it is broken', async () => {
    const result = await validate({ openapi: '3.1.0', info: { title: 'x' }, paths: { '/a': { get: { responses: 'nope' } } } } as never);
    expect(result.valid).toBe(false);
  });
});
