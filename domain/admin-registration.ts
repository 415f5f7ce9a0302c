/**
 * Calendar rules of an administrator's registration (letter to the legal representative, opposition
 * window). Pure: the workflow, the letter and the API share them. Days are Paris calendar days.
 */
import { addDays, type IsoDay, parisMidnight } from './dates';

export interface RegistrationDelays {
  /** Days the print-and-post service has to post a letter before it is flagged. */
  letterPostingDays: number;
  /** Days the legal representative has to oppose, counted from posting. */
  oppositionWindowDays: number;
}

/** OPPOSITION_WINDOW_DAYS and LETTER_POSTING_DAYS when nothing is configured (see the README). */
export const DEFAULT_REGISTRATION_DELAYS = { oppositionWindowDays: 30, letterPostingDays: 5 } as const;

/**
 * The date printed on the letter: the latest the window can close if the letter is posted in time.
 * The letter is printed before it is posted, so it cannot name the posting day itself.
 */
export function statedDeadline(letterDate: IsoDay, delays: RegistrationDelays): IsoDay {
  return addDays(letterDate, delays.letterPostingDays + delays.oppositionWindowDays);
}

/**
 * Last day an opposition is accepted: the window counted from posting, but never before the date
 * the letter states (a letter posted early must not cut short what it promised).
 */
export function oppositionDeadline(postedOn: IsoDay, stated: IsoDay, delays: RegistrationDelays): IsoDay {
  const fromPosting = addDays(postedOn, delays.oppositionWindowDays);
  return fromPosting > stated ? fromPosting : stated;
}

/** The window closes when the deadline day ends in Paris. */
export function windowClosesAt(deadline: IsoDay): Date {
  return parisMidnight(addDays(deadline, 1));
}

/** `ADM-000042`: short enough to read out on the phone. */
export function registrationReference(n: number): string {
  return `ADM-${String(n).padStart(6, '0')}`;
}
