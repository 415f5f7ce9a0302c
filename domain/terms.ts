/**
 * Rules of the terms of use (CGU): when an admin may accept, where an establishment stands for a
 * version, when reminders go out. Pure functions of dates; the workflow, the API and the queries call
 * them so that each rule is written once.
 */
import { ADMIN_TERMS_DELAY_DAYS } from './account';
import { addDays, frenchDate, type IsoDay, parisMidnight } from './dates';

/** A version label goes into workflow IDs (`terms-<version>-<siret>`): letters, digits, `.`, `_`, `-`. */
export const TERMS_VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

/** Reminders before the deadline when the operator names none: 7 days and 1 day before. */
export const DEFAULT_REMINDER_DAYS = [7, 1] as const;

/** Reminders leave at 08:00 Paris time on their day, not in the middle of the night. */
const REMINDER_HOUR = 8;

/**
 * « avant le 06/03/2024 »: the deadline day is the first day without access, so the deadline instant
 * is midnight (Paris) at its start.
 */
export function deadlineInstant(deadlineOn: IsoDay): Date {
  return parisMidnight(deadlineOn);
}

/** When each reminder leaves (`days` before the deadline day, at 08:00 Paris), in the order they leave. */
export function reminderInstants(deadlineOn: IsoDay, days: readonly number[]): { daysBefore: number; at: Date }[] {
  return [...new Set(days)]
    .sort((a, b) => b - a)
    .map((daysBefore) => ({
      daysBefore,
      at: new Date(parisMidnight(addDays(deadlineOn, -daysBefore)).getTime() + REMINDER_HOUR * 3_600_000),
    }));
}

/** The smallest deadline the operator may set: a brand-new admin (8 days) must be able to accept in time. */
export function earliestDeadline(today: IsoDay): IsoDay {
  return addDays(today, ADMIN_TERMS_DELAY_DAYS + 1);
}

/**
 * An establishment registered after the publication gets the version at once, with as long to accept
 * as the others had (publication → deadline), and never less than the version's own deadline.
 */
export function deadlineForLateRegistration(version: { publishedOn: IsoDay; deadlineOn: IsoDay }, registeredOn: IsoDay): IsoDay {
  const windowDays = Math.round((Date.parse(version.deadlineOn) - Date.parse(version.publishedOn)) / 86_400_000);
  const own = addDays(registeredOn, windowDays);
  return own > version.deadlineOn ? own : version.deadlineOn;
}

/**
 * Where an establishment stands for the current version: `pending` until the deadline day, then
 * `overdue` (users lose access, admins keep it and can still accept), `accepted` once an admin did.
 * Computed in SQL from the deadline and the acceptance (db/queries/terms.ts, `termsStandingSql`).
 */
export const TERMS_STANDINGS = ['pending', 'overdue', 'accepted'] as const;
export type TermsStanding = (typeof TERMS_STANDINGS)[number];

export const TERMS_STANDING_LABELS: Record<TermsStanding, string> = {
  pending: 'En attente de validation',
  overdue: 'Délai dépassé',
  accepted: 'Validées',
};

/** The guide's notice, shown to every member while no admin accepted. */
export function termsNoticeMessage(deadlineOn: IsoDay): string {
  return `Pour garantir l'accès à la plateforme, un de vos administrateurs doit valider les conditions générales d'utilisation avant le ${frenchDate(deadlineOn)}.`;
}

/** After the deadline: what every member reads. */
export function termsOverdueMessage(deadlineOn: IsoDay): string {
  return `Les conditions générales d'utilisation n'ont pas été validées par un administrateur de votre établissement avant le ${frenchDate(deadlineOn)} : l'accès des utilisateurs à la plateforme est suspendu jusqu'à leur validation.`;
}

/**
 * What an admin reads beside it: now, or from which day. `acceptableFrom` is the account's first day
 * after the 8-day delay (accounts.termsAcceptableFrom, null when no delay is pending).
 */
export function adminAcceptanceMessage(acceptableFrom: IsoDay | null, today: IsoDay): string {
  return !acceptableFrom || today >= acceptableFrom
    ? "En tant qu'administrateur, vous pouvez valider les conditions générales d'utilisation dès maintenant."
    : `En tant qu'administrateur, vous pourrez valider les conditions générales d'utilisation à partir du ${frenchDate(acceptableFrom)} (8 jours après être devenu administrateur).`;
}

export function adminDelayRefusal(acceptableFrom: IsoDay): string {
  return `Vous êtes administrateur depuis moins de 8 jours : vous pourrez valider les conditions générales d'utilisation à partir du ${frenchDate(acceptableFrom)}.`;
}
