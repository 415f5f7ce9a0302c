import { describe, expect, it } from 'vitest';
import { hashToken, isTokenOf, randomToken } from '../../security/tokens';

describe('isTokenOf', () => {
  it('recognises the secret by the hash of the token given, and nothing else', () => {
    const secret = randomToken();
    expect(isTokenOf(hashToken(secret), secret)).toBe(true);
    expect(isTokenOf(hashToken(secret), secret)).toBe(true); // the secret's hash, kept, still matches
    expect(isTokenOf(hashToken(`${secret}x`), secret)).toBe(false);
    expect(isTokenOf(hashToken(secret), randomToken())).toBe(false);
    expect(isTokenOf('', secret)).toBe(false);
    expect(isTokenOf('zz', secret)).toBe(false);
  });
});
