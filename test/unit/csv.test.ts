import { describe, expect, it } from 'vitest';
import { csvCell, frenchPhone, toCsv } from '../../api/csv';

describe('CSV for French Excel', () => {
  it('starts with the UTF-8 BOM, separates with « ; » and ends every line with CRLF', () => {
    const csv = toCsv(['Nom', 'Prénom'], [['Martin', 'Céline'], ['Dupont', null]]);
    expect(csv).toBe('\uFEFFNom;Prénom\r\nMartin;Céline\r\nDupont;\r\n');
    expect([...Buffer.from(csv, 'utf8').subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('quotes cells holding ; " or a line break, and doubles the quotes', () => {
    expect(csvCell('RH; Paie')).toBe('"RH; Paie"');
    expect(csvCell('Service "Carrières"')).toBe('"Service ""Carrières"""');
    expect(csvCell('1 place\nde la Mairie')).toBe('"1 place\nde la Mairie"');
    expect(csvCell(' espace')).toBe('" espace"');
    expect(csvCell('Ressources Humaines')).toBe('Ressources Humaines');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(42)).toBe('42');
  });

  it.each([
    ['=1+1', "'=1+1"],
    ['+33 5 56', "'+33 5 56"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
  ])('defuses the formula %j', (input, output) => {
    expect(csvCell(input)).toBe(output);
  });

  it('defuses before quoting', () => {
    expect(csvCell('=HYPERLINK("http://x";"clic")')).toBe('"\'=HYPERLINK(""http://x"";""clic"")"');
  });

  it('writes phone numbers in pairs of digits (so Excel keeps the leading 0)', () => {
    expect(frenchPhone('0556114123')).toBe('05 56 11 41 23');
    expect(frenchPhone(null)).toBe('');
    expect(frenchPhone('+44 20')).toBe('+44 20');
  });
});
