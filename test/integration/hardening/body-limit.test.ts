/**
 * Request bodies as Node's HTTP server hands them over (api/middleware/body-limit.ts): a declared
 * length within the limit is read straight from the socket, anything else is counted as it comes.
 * Served by @hono/node-server as api/main.ts serves it, not through `app.request`.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountCreationBody, useTestApp } from '../../support/harness';
import { auditOf, countAccounts } from '../accounts/helpers';

const t = useTestApp();
const LIMIT = 1024 * 1024;
let origin = '';
let server: ReturnType<typeof serve>;

beforeAll(async () => {
  server = serve({ fetch: t.app.fetch, port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

/**
 * A POST on a connection of its own; `chunked` sends the body without Content-Length. The body goes
 * out piece by piece until the answer comes: a refused body is answered before it is all read.
 */
function post(path: string, token: string, body: string, chunked: boolean): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    if (!chunked) headers['content-length'] = String(Buffer.byteLength(body));
    let answered = false;
    const req = http.request(`${origin}${path}`, { method: 'POST', headers, agent: false }, (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null });
      });
    });
    req.on('error', (error) => (answered ? undefined : reject(error)));
    void (async () => {
      for (let at = 0; at < body.length && !answered; at += 64 * 1024) {
        if (!req.write(body.slice(at, at + 64 * 1024))) await once(req, 'drain');
      }
      if (!answered) req.end();
    })();
  });
}

const creation = (padding = '') => JSON.stringify(accountCreationBody(padding ? { padding } : {}));

describe('request bodies over HTTP', () => {
  for (const chunked of [false, true]) {
    const how = chunked ? 'sent in chunks' : 'with its Content-Length';
    it(`reads a JSON body ${how} and creates the account`, async () => {
      const est = await t.createEstablishment();
      const res = await post(`/establishments/${est.establishment.id}/accounts`, est.adminToken, creation(), chunked);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ firstName: 'Jeanne', email: expect.stringContaining('@employeur.test') });
      expect(await countAccounts(t.db, est.establishment.id)).toBe(2);
    });

    it(`refuses a body over 1 MB ${how} (413 problem+json) and creates nothing`, async () => {
      const est = await t.createEstablishment();
      const before = await auditOf(t.db, est.establishment.id);
      const res = await post(`/establishments/${est.establishment.id}/accounts`, est.adminToken, creation('x'.repeat(LIMIT)), chunked);
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ code: 'payload_too_large', status: 413 });
      expect(await countAccounts(t.db, est.establishment.id)).toBe(1);
      expect((await auditOf(t.db, est.establishment.id)).length).toBe(before.length);
    });
  }

  it('answers a JSON body that is not JSON 400 over HTTP, as in process', async () => {
    const est = await t.createEstablishment();
    const res = await post(`/establishments/${est.establishment.id}/accounts`, est.adminToken, '{"profile": ', false);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400 });
    expect(res.body.code).toBe((await t.request('POST', `/establishments/${est.establishment.id}/accounts`, { token: est.adminToken, body: '{"profile": ' })).body.code);
  });
});
