/** Lower-case, accents removed, spaces folded: `Céline` and `celine` compare equal. */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Only the ASCII letters of a name, upper-cased, accents removed, ligatures spelt out (`Lœtitia` → `LOETITIA`). */
export function asciiLetters(text: string): string {
  return text
    .replace(/[œŒ]/g, 'OE')
    .replace(/[æÆ]/g, 'AE')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z]/g, '');
}
