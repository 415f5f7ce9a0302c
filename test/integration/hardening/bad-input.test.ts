/**
 * Input the fuzzer found answered 500: a body that is not JSON, a NUL character (PostgreSQL refuses
 * 0x00), a PATCH without a body; and the problem's `status`, which must stay the HTTP status.
 */
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../support/harness';
import { accountRow, auditOf } from '../accounts/helpers';

const t = useTestApp();

describe('media type', () => {
  it('answers 415 to a body that is not JSON, on every route that takes one', async () => {
    const est = await t.createEstablishment();
    const account = await t.insertActiveAccount(est.establishment.id);
    for (const [method, path, token] of [
      ['POST', '/auth/login', undefined],
      ['POST', '/auth/forgot-password', undefined],
      ['POST', `/establishments/${est.establishment.id}/accounts`, est.adminToken],
      ['PATCH', `/establishments/${est.establishment.id}/accounts/${account.id}`, est.adminToken],
      ['POST', `/establishments/${est.establishment.id}/accounts/bulk-renew`, est.adminToken],
    ] as const) {
      const res = await t.request(method, path, { token, headers: { 'content-type': 'text/plain' }, body: undefined, raw: 'lastName=x' });
      expect(res.status, `${method} ${path}`).toBe(415);
      expect(res.body).toMatchObject({ code: 'unsupported_media_type', status: 415 });
    }
  });

  it('refuses a PATCH without a body (400) and changes nothing', async () => {
    const est = await t.createEstablishment();
    const account = await t.insertActiveAccount(est.establishment.id);
    const before = await accountRow(t.db, account.id);
    const res = await t.request('PATCH', `/establishments/${est.establishment.id}/accounts/${account.id}`, { token: est.adminToken });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'invalid_json', status: 400 });
    expect(await accountRow(t.db, account.id)).toEqual(before);
  });
});

describe('NUL characters', () => {
  it('answers 400 naming the field, in a value, a key or a query string, and changes nothing', async () => {
    const est = await t.createEstablishment();
    const account = await t.insertActiveAccount(est.establishment.id);
    const base = `/establishments/${est.establishment.id}/accounts`;

    const login = await t.request('POST', '/auth/login', { body: { loginId: 'ABC\u0000', password: 'x' } });
    expect(login.status).toBe(400);
    expect(login.body.errors).toEqual([{ field: 'loginId', message: expect.stringContaining('U+0000') }]);

    for (const path of ['/auth/forgot-password', '/auth/forgot-login-id']) {
      const res = await t.request('POST', path, { body: { identifier: 'a\u0000b', email: 'a\u0000b@x.fr' } });
      expect(res.status, path).toBe(400);
    }

    const list = await t.request('GET', `${base}?q=${encodeURIComponent('lou\u0000ty')}`, { token: est.adminToken });
    expect(list.status).toBe(400);

    const created = await t.createAccount(est.establishment.id, est.adminToken, { lastName: 'Lou\u0000ty' });
    expect(created.status).toBe(400);
    expect(created.body.errors).toEqual([expect.objectContaining({ field: 'lastName' })]);

    const patch = await t.request('PATCH', `${base}/${account.id}`, { token: est.adminToken, body: { firstName: 'Jo\u0000' } });
    expect(patch.status).toBe(400);
    expect((await accountRow(t.db, account.id)).firstName).not.toContain('\u0000');
  });

  it('keeps the audit entry of a refused PATCH with a NUL in a rights key', async () => {
    const est = await t.createEstablishment();
    const account = await t.insertActiveAccount(est.establishment.id);
    const before = await auditOf(t.db, est.establishment.id);
    const res = await t.request('PATCH', `/establishments/${est.establishment.id}/accounts/${account.id}`, {
      token: est.adminToken,
      body: { rights: { 'affiliation-cnracl\u0000': 'read' } },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('rights.affiliation-cnracl\\u0000');
    const after = (await auditOf(t.db, est.establishment.id)).slice(before.length);
    expect(after).toMatchObject([{ action: 'account.update', outcome: 'refused', targetAccountId: account.id, detail: { code: 'validation_failed' } }]);
  });
});

describe('problem members', () => {
  it('keeps `status` the HTTP status and tells the account state in `accountStatus`', async () => {
    const est = await t.createEstablishment();
    const pending = await t.insertActiveAccount(est.establishment.id, { status: 'pending_activation' });
    const res = await t.request('POST', '/auth/login', { body: { loginId: pending.loginId, password: 'Whatever-2026' } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ status: 403, code: 'account_not_usable', accountStatus: 'pending_activation' });
  });
});
