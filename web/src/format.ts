/** Display only: the API's days (AAAA-MM-JJ) and instants, written the French way. */
export function frenchDay(day: string | null | undefined): string {
  if (!day) return '';
  const [y, m, d] = day.split('-');
  return `${d}/${m}/${y}`;
}

const PARIS = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', day: '2-digit', month: '2-digit', year: 'numeric' });
const PARIS_TIME = new Intl.DateTimeFormat('fr-FR', {
  timeZone: 'Europe/Paris',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

export const frenchDateOf = (instant: string | null | undefined) => (instant ? PARIS.format(new Date(instant)) : '');
export const frenchDateTimeOf = (instant: string | null | undefined) => (instant ? PARIS_TIME.format(new Date(instant)) : '');

/** « 2 utilisateurs », « 1 utilisateur » */
export const plural = (n: number, one: string, many: string) => `${n} ${n > 1 ? many : one}`;
