import { describe, expect, it } from 'vitest';
import { LOGIN_ID_PATTERN, loginIdFor, loginIdPrefix } from '../../domain/login-id';
import { foldForSearch } from '../../domain/text';

describe('login ids', () => {
  it("has the guide's shape: JLO000439 for Jean Louty", () => {
    expect(loginIdFor('Jean', 'Louty', 439)).toBe('JLO000439');
  });

  it('keeps to 9 characters with accents, short names and compound names', () => {
    expect(loginIdPrefix('Émilie', "D'Œuf")).toBe('EDO');
    expect(loginIdPrefix('Lœtitia', 'Ælis')).toBe('LAE');
    expect(loginIdPrefix('Li', 'O')).toBe('LOX');
    expect(loginIdPrefix('', '')).toBe('XXX');
    expect(loginIdFor('Jean-Pierre', 'Le Gall', 999999)).toBe('JLE999999');
    expect(loginIdFor('Jean-Pierre', 'Le Gall', 1)).toMatch(LOGIN_ID_PATTERN);
  });

  it('refuses a number that would not fit', () => {
    expect(() => loginIdFor('A', 'B', 1_000_000)).toThrow(RangeError);
    expect(() => loginIdFor('A', 'B', 0)).toThrow(RangeError);
  });
});

describe('search folding', () => {
  it('makes Céline, CELINE and celine equal', () => {
    expect(foldForSearch('Céline')).toBe('celine');
    expect(foldForSearch('  CELINE  Ressources   Humaines ')).toBe('celine ressources humaines');
  });
});
