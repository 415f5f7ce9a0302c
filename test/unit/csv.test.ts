import { describe, expect, it } from 'vitest';
import { type CsvValue, csvStream, frenchPhone } from '../../api/csv';

async function* each(rows: CsvValue[][]) {
  yield* rows;
}

/** The document as the response sends it: bytes from the stream. */
async function csvOf(headers: string[], rows: CsvValue[][]): Promise<string> {
  const errors: unknown[] = [];
  const bytes = Buffer.from(await new Response(csvStream(headers, each(rows), (e) => errors.push(e))).arrayBuffer());
  expect(errors).toEqual([]);
  return bytes.toString('utf8');
}

const cell = async (value: CsvValue) => (await csvOf(['x'], [[value]])).slice('\uFEFFx\r\n'.length, -2);

describe('CSV for French Excel', () => {
  it('starts with the UTF-8 BOM, separates with « ; » and ends every line with CRLF', async () => {
    const stream = csvStream(['Nom', 'Prénom'], each([['Martin', 'Céline'], ['Dupont', null]]), () => {});
    const bytes = Buffer.from(await new Response(stream).arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8')).toBe('\uFEFFNom;Prénom\r\nMartin;Céline\r\nDupont;\r\n');
  });

  it('quotes cells holding ; " a line break or edge spaces, and doubles the quotes', async () => {
    expect(await cell('RH; Paie')).toBe('"RH; Paie"');
    expect(await cell('Service "Carrières"')).toBe('"Service ""Carrières"""');
    expect(await cell('1 place\nde la Mairie')).toBe('"1 place\nde la Mairie"');
    expect(await cell(' espace')).toBe('" espace"');
    expect(await cell('Ressources Humaines')).toBe('Ressources Humaines');
    expect(await cell(undefined)).toBe('');
    expect(await cell(42)).toBe('42');
  });

  it.each([
    ['=1+1', "'=1+1"],
    ['+33 5 56', "'+33 5 56"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', `"'\tcmd"`],
  ])('defuses the formula %j', async (input, output) => {
    expect(await cell(input)).toBe(output);
  });

  it('defuses before quoting', async () => {
    expect(await cell('=HYPERLINK("http://x";"clic")')).toBe('"\'=HYPERLINK(""http://x"";""clic"")"');
  });

  it('writes rows as they come, and reports a source that fails midway', async () => {
    const errors: unknown[] = [];
    async function* failing() {
      yield ['Martin'];
      throw new Error('database gone');
    }
    const text = await new Response(csvStream(['Nom'], failing(), (e) => errors.push(e))).text().catch(() => 'aborted');
    expect(['aborted', '\uFEFFNom\r\nMartin\r\n']).toContain(text);
    expect(errors).toMatchObject([{ message: 'database gone' }]);
  });

  it('writes phone numbers in pairs of digits (so Excel keeps the leading 0)', () => {
    expect(frenchPhone('0556114123')).toBe('05 56 11 41 23');
    expect(frenchPhone(null)).toBe('');
    expect(frenchPhone('+44 20')).toBe('+44 20');
  });
});
