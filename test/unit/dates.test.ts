import { describe, expect, it } from 'vitest';
import {
  addMonths,
  expiryFrom,
  expiryInstant,
  frenchDate,
  frenchMonth,
  isExpired,
  monthBounds,
  nextMonth,
  parisDay,
  parisMidnight,
  reminderDayFor,
  reminderExpiryMonth,
  termsAcceptableFrom,
} from '../../domain/dates';

describe('account validity', () => {
  it("follows the guide's example: created 18/03/2024, expires 18/09/2025", () => {
    expect(expiryFrom('2024-03-18')).toBe('2025-09-18');
  });

  it('falls back to the last day of a shorter month', () => {
    expect(expiryFrom('2025-08-31')).toBe('2027-02-28');
    expect(addMonths('2026-08-31', 18)).toBe('2028-02-29');
  });

  it('reminds on the 20th of the month before the expiry month', () => {
    expect(reminderDayFor('2025-09-18')).toBe('2025-08-20');
    expect(reminderDayFor('2026-01-05')).toBe('2025-12-20');
  });

  it('counts an account as expired only once its expiry day is past', () => {
    expect(isExpired('2025-09-18', '2025-09-18')).toBe(false);
    expect(isExpired('2025-09-18', '2025-09-19')).toBe(true);
  });

  it('reads days on the Paris calendar, summer and winter', () => {
    expect(parisDay(new Date('2025-06-30T22:30:00Z'))).toBe('2025-07-01');
    expect(parisDay(new Date('2025-12-31T22:59:00Z'))).toBe('2025-12-31');
    expect(parisDay(new Date('2025-12-31T23:00:00Z'))).toBe('2026-01-01');
    expect(parisMidnight('2025-07-01').toISOString()).toBe('2025-06-30T22:00:00.000Z');
    expect(parisMidnight('2025-12-01').toISOString()).toBe('2025-11-30T23:00:00.000Z');
    expect(expiryInstant('2025-09-18').toISOString()).toBe('2025-09-18T22:00:00.000Z');
    // The days of the clock changes (at 02:00 and 03:00): their midnight still has the previous offset.
    expect(parisMidnight('2026-03-29').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(parisMidnight('2026-03-30').toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(parisMidnight('2026-10-25').toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(parisMidnight('2026-10-26').toISOString()).toBe('2026-10-25T23:00:00.000Z');
  });

  it('writes dates the French way', () => {
    expect(frenchDate('2025-09-08')).toBe('08/09/2025');
  });
});

describe('validity calendar edges', () => {
  it("holds the seed's dates: created 18/03/2024 → expiry 18/09/2025 → reminder 20/08/2025", () => {
    const expiry = expiryFrom('2024-03-18');
    expect(expiry).toBe('2025-09-18');
    expect(reminderDayFor(expiry)).toBe('2025-08-20');
    expect(reminderExpiryMonth(parisMidnight('2025-08-20'))).toBe('2025-09');
    expect(monthBounds('2025-09')).toEqual({ first: '2025-09-01', last: '2025-09-30' });
  });

  it('month ends: 31st and leap days fall back, the reminder crosses the year', () => {
    expect(expiryFrom('2024-08-31')).toBe('2026-02-28');
    expect(reminderDayFor('2026-02-28')).toBe('2026-01-20');
    expect(expiryFrom('2024-02-29')).toBe('2025-08-29');
    expect(expiryFrom('2026-08-31')).toBe('2028-02-29');
    expect(reminderDayFor('2026-01-31')).toBe('2025-12-20');
    expect(reminderExpiryMonth(new Date('2025-12-20T06:00:00Z'))).toBe('2026-01');
    expect(monthBounds('2028-02')).toEqual({ first: '2028-02-01', last: '2028-02-29' });
    expect(nextMonth('2025-12')).toBe('2026-01');
  });

  it('daylight saving: expiry at midnight in Paris, 23 or 25 hours after the previous one', () => {
    // Summer time ends on 26/10/2025: midnight starting the 26th is still UTC+2, the 27th's is UTC+1.
    expect(expiryInstant('2025-10-25').toISOString()).toBe('2025-10-25T22:00:00.000Z');
    expect(expiryInstant('2025-10-26').toISOString()).toBe('2025-10-26T23:00:00.000Z');
    // Summer time starts on 29/03/2026.
    expect(expiryInstant('2026-03-28').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(expiryInstant('2026-03-29').toISOString()).toBe('2026-03-29T22:00:00.000Z');
    // The expiry day is the last day the holder may log in, whatever the offset.
    expect(isExpired('2026-03-29', parisDay(new Date('2026-03-29T21:59:59Z')))).toBe(false);
    expect(isExpired('2026-03-29', parisDay(expiryInstant('2026-03-29')))).toBe(true);
  });

  it('a reminder run that catches up late still covers the month of its 20th', () => {
    expect(reminderExpiryMonth(new Date('2025-08-20T05:00:00Z'))).toBe('2025-09');
    expect(reminderExpiryMonth(new Date('2025-08-31T21:59:00Z'))).toBe('2025-09');
    expect(reminderExpiryMonth(new Date('2025-08-31T22:00:00Z'))).toBe('2025-10');
    expect(frenchMonth('2025-09')).toBe('septembre 2025');
  });
});

describe('the 8-day terms-of-use delay of a new admin', () => {
  it('counts 8 calendar days from the Paris day of the grant, whatever the hour', () => {
    expect(termsAcceptableFrom(new Date('2026-03-10T08:00:00Z'))).toBe('2026-03-18');
    // 23:30 UTC on the 10th is already the 11th in Paris.
    expect(termsAcceptableFrom(new Date('2026-03-10T23:30:00Z'))).toBe('2026-03-19');
  });

  it('stays on calendar days across the change to summer time', () => {
    expect(termsAcceptableFrom(new Date('2026-03-25T12:00:00Z'))).toBe('2026-04-02');
  });
});
