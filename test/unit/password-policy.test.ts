import { describe, expect, it } from 'vitest';
import { unmetPasswordRules } from '../../domain/password-policy';

const codes = (p: string) => unmetPasswordRules(p).map((r) => r.code);

describe('password policy of the guide', () => {
  it('accepts a password meeting every rule', () => {
    expect(codes('Soleil-2026')).toEqual([]);
    expect(codes('Éléphant7!')).toEqual([]);
  });

  it('names each rule not met', () => {
    expect(codes('')).toEqual(['min_length', 'digit', 'uppercase', 'lowercase', 'special']);
    expect(codes('motdepasse')).toEqual(['digit', 'uppercase', 'special']);
    expect(codes('Ab1!')).toEqual(['min_length']);
    expect(codes('ABCDEFG1!')).toEqual(['lowercase']);
    expect(codes('Abcdefgh!')).toEqual(['digit']);
    expect(codes('Abcdefg12')).toEqual(['special']);
  });

  it('does not count a space as a special character', () => {
    expect(codes('Abcdef 12')).toEqual(['special']);
  });

  it('gives French messages', () => {
    expect(unmetPasswordRules('abcdefgh1!').map((r) => r.message)).toEqual(['au moins 1 majuscule']);
  });
});
