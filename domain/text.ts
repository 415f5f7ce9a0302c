/** Lower-case, accents removed, spaces folded: `Céline` and `celine` compare equal. */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Only the ASCII letters of a name, upper-cased, accents removed (`Lœtitia` → `LTITIA`). */
export function asciiLetters(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z]/g, '');
}
