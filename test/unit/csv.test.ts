import { describe, expect, it } from 'vitest';
import { csvCell, frenchPhone, toCsv } from '../../api/csv';

describe('CSV pour Excel en français', () => {
  it('commence par le BOM UTF-8, sépare par « ; » et termine chaque ligne par CRLF', () => {
    const csv = toCsv(['Nom', 'Prénom'], [['Martin', 'Céline'], ['Dupont', null]]);
    expect(csv).toBe('\uFEFFNom;Prénom\r\nMartin;Céline\r\nDupont;\r\n');
    expect([...Buffer.from(csv, 'utf8').subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('met entre guillemets ce qui contient ; " ou un saut de ligne, et double les guillemets', () => {
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
  ])('neutralise la formule %j', (input, output) => {
    expect(csvCell(input)).toBe(output);
  });

  it('neutralise avant de mettre entre guillemets', () => {
    expect(csvCell('=HYPERLINK("http://x";"clic")')).toBe('"\'=HYPERLINK(""http://x"";""clic"")"');
  });

  it('écrit les téléphones par paires de chiffres (Excel garde le 0 initial)', () => {
    expect(frenchPhone('0556114123')).toBe('05 56 11 41 23');
    expect(frenchPhone(null)).toBe('');
    expect(frenchPhone('+44 20')).toBe('+44 20');
  });
});
