/**
 * The accounts export, written by PostgreSQL (COPY): the cells Excel must not run or mangle, the
 * list's filters and order, and the access scope (own establishment, delegated ones, never another's).
 */
import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { excelCsv } from '../../../api/csv';
import { createDatabase } from '../../../db/client';
import { copyCsv } from '../../../db/copy-csv';
import { csvCell, csvDate, csvDayOf } from '../../../db/csv-cells';
import { addDays, parisDay } from '../../../domain/dates';
import { useTestApp } from '../../support/harness';
import { delegate } from './helpers';

const t = useTestApp();

/** One cell as the export writes it (quoting, defusing), read back from the document. */
async function cell(value: string | null): Promise<string> {
  const rows = await copyCsv(t.db, sql`select ${csvCell(sql`${value}::text`)} as x`);
  const bytes = Buffer.from(await new Response(excelCsv(rows)).arrayBuffer());
  return bytes.toString('utf8').slice('\uFEFFx\r\n'.length, -2);
}

/** The export's data lines (header and BOM off). */
function dataLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split('\r\n').slice(1, -1);
}

describe('cells', () => {
  it('quotes cells holding ; " or a line break, and doubles the quotes', async () => {
    expect(await cell('RH; Paie')).toBe('"RH; Paie"');
    expect(await cell('Service "Carrières"')).toBe('"Service ""Carrières"""');
    expect(await cell('1 place\nde la Mairie')).toBe('"1 place\nde la Mairie"');
    expect(await cell('Ressources Humaines')).toBe('Ressources Humaines');
    expect(await cell(null)).toBe('');
    expect(await cell('')).toBe('');
    expect(await cell("L'Hôpital \\ Nord")).toBe("L'Hôpital \\ Nord");
  });

  it.each([
    ['=1+1', "'=1+1"],
    ['+33 5 56', "'+33 5 56"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', `"'\rcmd"`],
    ['＝1+1', "'＝1+1"],
    ['＠SUM(A1)', "'＠SUM(A1)"],
  ])('defuses the formula %j', async (input, output) => {
    expect(await cell(input)).toBe(output);
  });

  it('defuses before quoting', async () => {
    expect(await cell('=HYPERLINK("http://x";"clic")')).toBe('"\'=HYPERLINK(""http://x"";""clic"")"');
  });
});

describe('export of an establishment', () => {
  it('writes every column in French, with the list filters and in the list order', async () => {
    const est = await t.createEstablishment();
    const base = `/establishments/${est.establishment.id}/accounts`;
    const today = parisDay(new Date());
    await t.insertActiveAccount(est.establishment.id, {
      civility: 'monsieur',
      lastName: 'Évrard',
      firstName: 'Jérôme',
      phone: '0556114123',
      serviceFunction: 'Ressources humaines',
      lastLoginAt: new Date('2026-03-31T22:30:00Z'), // 1 April in Paris
      expiresOn: addDays(today, -1),
      searchText: 'evrard jerome ressources humaines',
    });
    await t.insertActiveAccount(est.establishment.id, {
      lastName: 'Bernard',
      firstName: 'Céline',
      phone: '+44 20 7946 0958',
      serviceFunction: 'Ressources; humaines',
      searchText: 'bernard celine ressources; humaines',
    });
    await t.insertActiveAccount(est.establishment.id, { lastName: 'Caron', firstName: 'Zoé', status: 'deleted', searchText: 'caron zoe' });
    await t.insertActiveAccount(est.establishment.id, { lastName: 'Dupont', firstName: 'Paul', profile: 'admin', searchText: 'dupont paul' });
    const other = await t.createEstablishment();
    await t.insertActiveAccount(other.establishment.id, { lastName: 'Ailleurs', firstName: 'Anne', searchText: 'ailleurs anne' });

    const all = await t.request('GET', `${base}/export.csv`, { token: est.adminToken });
    expect(all.status).toBe(200);
    const rows = dataLines(all.text).map((l) => l.split(';'));
    expect(rows.map((r) => r[1])).toEqual(['Admin', 'Bernard', 'Dupont', 'Évrard']); // folded name order, no deleted, no other establishment
    const evrard = dataLines(all.text).find((l) => l.startsWith('Monsieur;'))!;
    const [y, m, d] = addDays(today, -1).split('-');
    expect(evrard.split(';')).toEqual([
      'Monsieur', 'Évrard', 'Jérôme', expect.stringMatching(/^JEV\d{6}$/), expect.stringContaining('@'), '05 56 11 41 23',
      'Ressources humaines', 'Utilisateur', 'Expiré', `${d}/${m}/${y}`, '01/04/2026',
    ]);
    expect(all.text).toContain(`"Ressources; humaines";Utilisateur;Actif;`);
    expect(all.text).toContain(";'+44 20 7946 0958;");

    // The list's filters give the list's rows, in the list's order.
    for (const query of ['q=ressources', 'q=RESSOURCES%20c%C3%A9line', 'status=expired', 'profile=admin', 'status=active&profile=user']) {
      const listed = await t.request('GET', `${base}?${query}&pageSize=100`, { token: est.adminToken });
      const exported = await t.request('GET', `${base}/export.csv?${query}`, { token: est.adminToken });
      expect(exported.status, query).toBe(200);
      expect(dataLines(exported.text).map((l) => l.split(';')[3]), query).toEqual(listed.body.items.map((i: { loginId: string }) => i.loginId));
    }
    const bad = await t.request('GET', `${base}/export.csv?status=deleted`, { token: est.adminToken });
    expect(bad.status).toBe(400);
  });

  it('reaches a delegating establishment through a central one, and nothing of another', async () => {
    const central = await t.createEstablishment();
    const delegating = await t.createEstablishment();
    const stranger = await t.createEstablishment();
    const path = `/establishments/${delegating.establishment.id}/accounts/export.csv`;
    expect((await t.request('GET', path, { token: central.adminToken })).status).toBe(404);
    expect((await t.request('GET', path, { token: stranger.adminToken })).status).toBe(404);
    await delegate(t.db, central.establishment.id, delegating.establishment.id);
    const res = await t.request('GET', path, { token: central.adminToken });
    expect(res.status).toBe(200);
    expect(dataLines(res.text).map((l) => l.split(';')[3])).toEqual([delegating.admin.loginId]);
    // The central establishment's own accounts stay apart, even named in a selection of the other's path.
    const selection = await t.request('POST', path, { token: central.adminToken, body: { ids: [central.admin.id, delegating.admin.id] } });
    expect(dataLines(selection.text).map((l) => l.split(';')[3])).toEqual([delegating.admin.loginId]);
  });
});

describe('the reserved connection', () => {
  it('writes days DD/MM/YYYY, then gives the connection back with its own date style, even to a reader that left early', async () => {
    // A pool of one connection: the statements after the export run on the very connection it used.
    const single = createDatabase(t.config.database.url, { max: 1 });
    try {
      const style = async () => ((await single.db.execute(sql`select current_setting('datestyle') as s, '2026-04-01'::date::text as d`)) as unknown as { s: string; d: string }[])[0];
      const before = await style();
      expect(before?.d).toBe('2026-04-01');
      const rows = await copyCsv(single.db, sql`select ${csvDate(sql`'2026-04-01'`)} as j, ${csvDayOf(sql`'2026-03-31T22:30:00Z'::timestamptz`)} as k`);
      expect(Buffer.from(await new Response(excelCsv(rows)).arrayBuffer()).toString('utf8')).toBe('\uFEFFj;k\r\n01/04/2026;01/04/2026\r\n');
      expect(await style()).toEqual(before);

      // One row per COPY message, handed on in batches of about 64 KB, not one chunk per row.
      const many = await copyCsv(single.db, sql`select ${csvDate(sql`'2026-04-01'::date + n`)} as j from generate_series(1, 200000) as n`);
      const reader = Readable.toWeb(many).getReader();
      const first = (await reader.read()).value as Uint8Array;
      expect(first.length).toBeGreaterThanOrEqual(64 * 1024);
      expect(new TextDecoder().decode(first)).toMatch(/^j\n02\/04\/2026\n03\/04\/2026\n/);
      await reader.cancel();
      expect(await style()).toEqual(before);
    } finally {
      await single.close();
    }
  });
});
