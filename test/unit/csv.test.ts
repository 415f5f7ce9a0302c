import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { crlfLineEnds, excelCsv } from '../../api/csv';

/** COPY's output (LF line ends) cut into the given chunks, through the Excel transform, as text. */
async function excel(chunks: string[]): Promise<string> {
  const bytes = Buffer.from(await new Response(excelCsv(Readable.from(chunks.map((c) => Buffer.from(c))))).arrayBuffer());
  return bytes.toString('utf8');
}

describe('CSV for French Excel, from COPY output', () => {
  it('starts with the UTF-8 BOM and ends every line with CRLF', async () => {
    const stream = excelCsv(Readable.from([Buffer.from('Nom;Prénom\nMartin;Céline\n'), Buffer.from('Dupont;\n')]));
    const bytes = Buffer.from(await new Response(stream).arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8')).toBe('\uFEFFNom;Prénom\r\nMartin;Céline\r\nDupont;\r\n');
  });

  it('keeps a line break inside a quoted cell, across chunks and doubled quotes', async () => {
    expect(await excel(['a;"1 place\nde la Mairie"\nb;c\n'])).toBe('\uFEFFa;"1 place\nde la Mairie"\r\nb;c\r\n');
    expect(await excel(['a;"Service ""Car', 'rières""\nsuite"', '\nb\n'])).toBe('\uFEFFa;"Service ""Carrières""\nsuite"\r\nb\r\n');
    expect(await excel(['"x"', '"y"\n', 'z\n'])).toBe('\uFEFF"x""y"\r\nz\r\n');
  });

  it('gives one chunk per chunk it is handed (copyCsv() batches the rows)', async () => {
    const lineEnds = crlfLineEnds();
    const out: Buffer[] = [];
    lineEnds.on('data', (chunk: Buffer) => out.push(chunk));
    const done = new Promise((resolve) => lineEnds.on('end', resolve));
    lineEnds.write(Buffer.from('Ligne 1;Céline\nLigne 2;"Rue\nHaute"\n'));
    lineEnds.write(Buffer.from('Ligne 3;Martin\n'));
    lineEnds.end();
    await done;
    expect(out.map((b) => b.toString('utf8'))).toEqual(['Ligne 1;Céline\r\nLigne 2;"Rue\nHaute"\r\n', 'Ligne 3;Martin\r\n']);
  });

  it('breaks the download when the source fails midway (no complete-looking file)', async () => {
    const failing = new Readable({ read() {} });
    failing.push(Buffer.from('Nom\nMartin\n'));
    setTimeout(() => failing.destroy(new Error('database gone')), 10);
    await expect(new Response(excelCsv(failing)).text()).rejects.toThrow();
  });
});
