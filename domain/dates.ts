/**
 * Calendar rules of the account lifecycle. Days are ISO strings (YYYY-MM-DD) in the
 * platform's time zone (Europe/Paris): an expiry date is a day on the calendar, not an instant.
 */
import { ADMIN_TERMS_DELAY_DAYS } from './account';

export type IsoDay = string;

export const PLATFORM_TIME_ZONE = 'Europe/Paris';
export const ACCOUNT_VALIDITY_MONTHS = 18;
export const REMINDER_DAY_OF_MONTH = 20;

const dayFormatter = new Intl.DateTimeFormat('en-CA', {
  timeZone: PLATFORM_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The calendar day in Paris at the given instant. */
export function parisDay(instant: Date): IsoDay {
  return dayFormatter.format(instant);
}

function parts(day: IsoDay): [number, number, number] {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) throw new RangeError(`not an ISO day: ${day}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function format(year: number, month: number, day: number): IsoDay {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Adds calendar months; a day that does not exist in the target month falls back to its last day (31/08 + 18 months = 28/02). */
export function addMonths(day: IsoDay, months: number): IsoDay {
  const [y, m, d] = parts(day);
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return format(year, month, Math.min(d, daysInMonth(year, month)));
}

export function addDays(day: IsoDay, days: number): IsoDay {
  const [y, m, d] = parts(day);
  const date = new Date(Date.UTC(y, m - 1, d + days));
  return format(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
}

/** Expiry of an account created or renewed on `day`: 18 months later (guide: 18/03/2024 → 18/09/2025). */
export function expiryFrom(day: IsoDay): IsoDay {
  return addMonths(day, ACCOUNT_VALIDITY_MONTHS);
}

/**
 * The first Paris day on which a new admin may accept terms of use: 8 calendar days after the Paris
 * day they became admin, whatever the hour (admin on 10/03 at 23:50 → from 18/03 at 00:00).
 */
export function termsAcceptableFrom(adminSince: Date): IsoDay {
  return addDays(parisDay(adminSince), ADMIN_TERMS_DELAY_DAYS);
}

/** Admins are reminded on the 20th of the month before the expiry month. */
export function reminderDayFor(expiresOn: IsoDay): IsoDay {
  const [y, m] = parts(addMonths(expiresOn.slice(0, 8) + '01', -1));
  return format(y, m, REMINDER_DAY_OF_MONTH);
}

/** Expired once the expiry date is before today: the holder can still log in on the expiry day itself. */
export function isExpired(expiresOn: IsoDay, today: IsoDay): boolean {
  return expiresOn < today;
}

/** The instant at which an account with this expiry day becomes expired: midnight, Paris time, the day after. */
export function expiryInstant(expiresOn: IsoDay): Date {
  return parisMidnight(addDays(expiresOn, 1));
}

/** Midnight in Paris at the start of `day`, as an instant. */
export function parisMidnight(day: IsoDay): Date {
  const [y, m, d] = parts(day);
  // Paris is UTC+1 or UTC+2: try both offsets and keep the one that lands on that day at 00:00.
  for (const offsetHours of [1, 2]) {
    const candidate = new Date(Date.UTC(y, m - 1, d, -offsetHours));
    if (parisDay(candidate) === day && parisDay(new Date(candidate.getTime() - 1)) !== day) return candidate;
  }
  return new Date(Date.UTC(y, m - 1, d, -1));
}

/** DD/MM/YYYY, as French pages and letters show dates. */
export function frenchDate(day: IsoDay): string {
  const [y, m, d] = parts(day);
  return `${String(d).padStart(2, '0')}/${String(m).padStart(2, '0')}/${y}`;
}

const timeFormatter = new Intl.DateTimeFormat('en-GB', { timeZone: PLATFORM_TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** « 07/12/2026 à 21:30 », Paris time, as operators and holders read an instant. */
export function frenchDateTime(instant: Date): string {
  return `${frenchDate(parisDay(instant))} à ${timeFormatter.format(instant)}`;
}

/** A calendar month, YYYY-MM. */
export type IsoMonth = string;

export function monthOf(day: IsoDay): IsoMonth {
  return day.slice(0, 7);
}

/** The month after `month` (December → January of the next year). */
export function nextMonth(month: IsoMonth): IsoMonth {
  return monthOf(addMonths(`${month}-01`, 1));
}

/** First and last day of a month, for "expires during this month" (inclusive bounds). */
export function monthBounds(month: IsoMonth): { first: IsoDay; last: IsoDay } {
  const first = `${month}-01`;
  return { first, last: addDays(addMonths(first, 1), -1) };
}

/**
 * The expiry month a reminder run covers: the calendar month after the Paris day of the run's
 * scheduled time (the run of 20/08/2025 reminds about accounts expiring in September 2025). A run
 * that catches up on the 24th still covers the month of its 20th.
 */
export function reminderExpiryMonth(scheduledAt: Date): IsoMonth {
  return nextMonth(monthOf(parisDay(scheduledAt)));
}

const monthFormatter = new Intl.DateTimeFormat('fr-FR', { month: 'long', year: 'numeric', timeZone: 'UTC' });

/** `2025-09` → « septembre 2025 ». */
export function frenchMonth(month: IsoMonth): string {
  const [y, m] = parts(`${month}-01`);
  return monthFormatter.format(new Date(Date.UTC(y, m - 1, 1)));
}
