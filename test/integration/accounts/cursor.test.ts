/**
 * Pages by cursor (`after` = the previous answer's `nextCursor`): the same accounts as pages by
 * number, and a cursor that is malformed, from elsewhere or lost answers 400, never a wrong page.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../../api/schemas/accounts';
import { useTestApp } from '../../support/harness';

const t = useTestApp();

describe('pages by cursor', () => {
  it('walk the list as pages by number do, grouped or not, and end with nextCursor null', async () => {
    const est = await t.createEstablishment();
    const base = `/establishments/${est.establishment.id}/accounts`;
    for (let i = 0; i < 30; i++) {
      await t.insertActiveAccount(est.establishment.id, { lastName: `Nom${String(i % 7)}`, profile: i % 5 === 0 ? 'admin' : 'user', searchText: `nom${i % 7} camille ${i}` });
    }
    for (const extra of ['', '&groupBy=profile', '&q=nom3']) {
      const byNumber: string[] = [];
      for (let page = 1; ; page++) {
        const res = await t.request('GET', `${base}?pageSize=25&page=${page}${extra}`, { token: est.adminToken });
        byNumber.push(...res.body.items.map((i: { id: string }) => i.id));
        if (page >= res.body.pageCount) break;
      }
      const byCursor: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; body: { items: { id: string }[]; nextCursor: string | null; page: number | null; total: number } } = await t.request(
          'GET',
          `${base}?pageSize=25${extra}${cursor ? `&after=${cursor}` : ''}`,
          { token: est.adminToken },
        );
        expect(res.status, extra).toBe(200);
        expect(res.body.page).toBe(cursor ? null : 1);
        byCursor.push(...res.body.items.map((i) => i.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(byCursor, extra).toEqual(byNumber);
    }
  });

  it('refuses a malformed cursor, a cursor with a page number, and one from another establishment', async () => {
    const est = await t.createEstablishment();
    const other = await t.createEstablishment();
    const base = `/establishments/${est.establishment.id}/accounts`;
    const malformed = await t.request('GET', `${base}?after=pas-un-curseur`, { token: est.adminToken });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toContain('application/problem+json');
    expect(malformed.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'after', message: expect.stringContaining('Curseur de pagination invalide') }] });

    const both = await t.request('GET', `${base}?page=2&after=${encodeCursor(est.admin.id)}`, { token: est.adminToken });
    expect(both.status).toBe(400);
    expect(both.body.errors[0].field).toBe('after');

    for (const id of [other.admin.id, randomUUID()]) {
      const elsewhere = await t.request('GET', `${base}?after=${encodeCursor(id)}`, { token: est.adminToken });
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.body).toMatchObject({ code: 'invalid_cursor', detail: expect.stringContaining('première page') });
    }
  });
});
