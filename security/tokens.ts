import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random bearer secret (session tokens): 32 bytes, URL-safe. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database keeps of a token: its SHA-256, so a leaked table opens nothing. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * A link token derived from a server secret and the request it belongs to. Deriving it (instead of
 * drawing it at random) makes the send activity idempotent: a retry rebuilds the very same link, so
 * the email the provider de-duplicates and the hash in the database always agree.
 */
export function derivedToken(secret: string, purpose: string, requestKey: string): string {
  return createHmac('sha256', secret).update(`${purpose}\n${requestKey}`).digest('base64url');
}

const knownHashes = new Map<string, Buffer>();

/**
 * Whether a token whose `hashToken` is `tokenHash` is `secret`, compared in constant time. The
 * secret's hash is computed once: every authenticated request asks this of the operator's token.
 */
export function isTokenOf(tokenHash: string, secret: string): boolean {
  let expected = knownHashes.get(secret);
  if (!expected) knownHashes.set(secret, (expected = createHash('sha256').update(secret).digest()));
  const given = Buffer.from(tokenHash, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
