/**
 * The contract says what the server does: every operation documents the 4xx it can answer (400 for
 * any input, 401 behind a session, 415 for a JSON body, 429 where throttled), and the schemas state
 * the rules the server enforces (uuid, date, password length).
 */
import { describe, expect, it } from 'vitest';
import { THROTTLES } from '../../../api/middleware/throttle';
import { useTestApp } from '../../support/harness';

const t = useTestApp();

type Operation = {
  security?: unknown[];
  parameters?: { name: string; in: string; schema?: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, unknown>;
};

async function operations() {
  const doc = (await t.request('GET', '/openapi.json')).body as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };
  return {
    doc,
    list: Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op, name: `${method.toUpperCase()} ${path}` }))),
  };
}

describe('OpenAPI contract', () => {
  it('every operation documents the errors it can answer', async () => {
    const { list } = await operations();
    expect(list.length).toBeGreaterThan(40);
    const missing: string[] = [];
    for (const { path, name, op } of list) {
      const documented = new Set(Object.keys(op.responses));
      const need = (status: string, why: boolean) => {
        if (why && !documented.has(status)) missing.push(`${name}: ${status}`);
      };
      need('400', Boolean(op.parameters?.length || op.requestBody));
      need('401', Boolean(op.security?.length));
      need('415', Boolean(op.requestBody?.content['application/json']));
      need('429', path in THROTTLES);
    }
    expect(missing).toEqual([]);
  });

  it('path ids are uuids; dates, passwords and id lists state their rules', async () => {
    const { list, doc } = await operations();
    const loose: string[] = [];
    for (const { name, op } of list) {
      for (const p of op.parameters ?? []) {
        if (p.in === 'path' && /Id$/.test(p.name) && p.schema?.format !== 'uuid') loose.push(`${name}: ${p.name}`);
      }
    }
    expect(loose).toEqual([]);
    // The new password states the guide's lengths; every calendar day says format date.
    const setPassword = (doc.components.schemas.SetPassword as { properties: Record<string, Record<string, unknown>> }).properties;
    for (const field of ['password', 'passwordConfirmation']) expect(setPassword[field]).toMatchObject({ minLength: 8, maxLength: 128 });
    const text = JSON.stringify(doc.components.schemas) + JSON.stringify(doc.paths);
    const days = [...text.matchAll(/"(?:expiresOn|requestedOn|postedOn|from|to)":\{([^{}]*)\}/g)];
    expect(days.length).toBeGreaterThan(0);
    for (const m of days) expect(m[1], m[0]).toMatch(/"format":"date(-time)?"/);
  });

  it('exports a selection of 1,000 accounts (ids in the body) and refuses 1,001', async () => {
    const est = await t.createEstablishment();
    const ids: string[] = Array.from({ length: 1000 }, () => crypto.randomUUID());
    ids[0] = est.admin.id;
    const res = await t.request('POST', `/establishments/${est.establishment.id}/accounts/export.csv`, { token: est.adminToken, body: { ids } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.text.trim().split('\r\n')).toHaveLength(2); // the header and the admin (the other ids are nobody's)
    expect(res.text).toContain(est.admin.loginId);
    const tooMany = await t.request('POST', `/establishments/${est.establishment.id}/accounts/export.csv`, {
      token: est.adminToken,
      body: { ids: [...ids, crypto.randomUUID()] },
    });
    expect(tooMany.status).toBe(400);
  });
});
