import { describe, expect, it } from 'vitest';
import { parisDay } from '../../domain/dates';
import {
  adminAcceptanceMessage,
  deadlineForLateRegistration,
  deadlineInstant,
  earliestDeadline,
  reminderInstants,
  termsNoticeMessage,
} from '../../domain/terms';

describe('terms of use rules', () => {
  it('an admin reads from which day they may accept, or that they may now', () => {
    expect(adminAcceptanceMessage('2024-02-28', '2024-02-27')).toContain('à partir du 28/02/2024');
    expect(adminAcceptanceMessage('2024-02-28', '2024-02-28')).toContain('dès maintenant');
    expect(adminAcceptanceMessage(null, '2024-02-01')).toContain('dès maintenant');
  });

  it('« avant le 06/03/2024 »: the deadline is midnight at the start of that day', () => {
    expect(deadlineInstant('2024-03-06').toISOString()).toBe('2024-03-05T23:00:00.000Z');
    expect(termsNoticeMessage('2024-03-06')).toBe(
      "Pour garantir l'accès à la plateforme, un de vos administrateurs doit valider les conditions générales d'utilisation avant le 06/03/2024.",
    );
  });

  it('reminders leave at 08:00 Paris time, earliest first, once per day count', () => {
    expect(reminderInstants('2024-03-06', [1, 7, 7]).map((r) => [r.daysBefore, r.at.toISOString()])).toEqual([
      [7, '2024-02-28T07:00:00.000Z'],
      [1, '2024-03-05T07:00:00.000Z'],
    ]);
  });

  it('a deadline leaves a brand-new admin time to accept', () => {
    expect(earliestDeadline('2024-02-20')).toBe('2024-02-29');
  });

  it('a late registration gets as long as the others had, never less than the version deadline', () => {
    const version = { publishedOn: '2024-02-05', deadlineOn: '2024-03-06' }; // 30 days
    expect(deadlineForLateRegistration(version, '2024-02-10')).toBe('2024-03-11');
    expect(deadlineForLateRegistration(version, '2024-02-05')).toBe('2024-03-06');
    expect(parisDay(deadlineInstant(deadlineForLateRegistration(version, '2024-04-01')))).toBe('2024-05-01');
  });
});
