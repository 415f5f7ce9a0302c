export const PASSWORD_MIN_LENGTH = 8;

/** The guide's password rules, each with the sentence shown to the holder when it is not met. */
export const PASSWORD_RULES = [
  { code: 'min_length', message: `au moins ${PASSWORD_MIN_LENGTH} caractères`, test: (p: string) => [...p].length >= PASSWORD_MIN_LENGTH },
  { code: 'digit', message: 'au moins 1 chiffre', test: (p: string) => /\p{Nd}/u.test(p) },
  { code: 'uppercase', message: 'au moins 1 majuscule', test: (p: string) => /\p{Lu}/u.test(p) },
  { code: 'lowercase', message: 'au moins 1 minuscule', test: (p: string) => /\p{Ll}/u.test(p) },
  {
    code: 'special',
    message: 'au moins 1 caractère spécial',
    test: (p: string) => /[^\p{L}\p{Nd}\s]/u.test(p),
  },
] as const;

export const PASSWORD_MAX_LENGTH = 128;

export type PasswordRuleCode = (typeof PASSWORD_RULES)[number]['code'] | 'max_length';

/** The rules the password does not meet; empty when it is acceptable. */
export function unmetPasswordRules(password: string): { code: PasswordRuleCode; message: string }[] {
  const unmet: { code: PasswordRuleCode; message: string }[] = PASSWORD_RULES.filter((rule) => !rule.test(password)).map(
    ({ code, message }) => ({ code, message }),
  );
  if ([...password].length > PASSWORD_MAX_LENGTH) {
    unmet.push({ code: 'max_length', message: `au plus ${PASSWORD_MAX_LENGTH} caractères` });
  }
  return unmet;
}
