import { asciiLetters } from './text';

export const LOGIN_ID_MAX_LENGTH = 9;
/** Digits of the sequence number, zero-padded (the database writes it the same way at creation). */
export const SEQUENCE_DIGITS = 6;

/**
 * The guide's shape: first-name initial, two letters of the last name, then a number
 * (M. Jean Louty → `JLO000439`). Short names are padded with X so every id has 9 characters.
 */
export function loginIdPrefix(firstName: string, lastName: string): string {
  const first = asciiLetters(firstName).slice(0, 1).padEnd(1, 'X');
  const last = asciiLetters(lastName).slice(0, 2).padEnd(2, 'X');
  return first + last;
}

/** The number comes from one platform-wide sequence, so an id is never re-used, even after a deletion. */
export function loginIdFor(firstName: string, lastName: string, sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1 || sequence >= 10 ** SEQUENCE_DIGITS) {
    throw new RangeError(`login id sequence out of range: ${sequence}`);
  }
  return loginIdPrefix(firstName, lastName) + String(sequence).padStart(SEQUENCE_DIGITS, '0');
}

export const LOGIN_ID_PATTERN = /^[A-Z]{3}[0-9]{6}$/;
