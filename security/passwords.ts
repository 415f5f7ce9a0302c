import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { hash, parseOptions, verify } from '@node-rs/argon2';

/**
 * Slow hash for passwords: argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane), from
 * `@node-rs/argon2` (prebuilt binaries, no install script). Stored in the PHC format
 * (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), which carries its parameters: when they differ from
 * the current ones (or the hash is one of the earlier scrypt ones), `needsRehash` says so and the
 * login stores a new hash of the password it has just checked.
 */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password.normalize('NFC'), ARGON2);
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('scrypt$')) return verifyScrypt(password, stored);
  if (!stored.startsWith('$argon2')) return false;
  return verify(stored, password.normalize('NFC')).catch(() => false);
}

/** Whether a hash that has just matched should be replaced by one made with today's parameters. */
export function needsRehash(stored: string): boolean {
  if (!stored.startsWith('$argon2id$')) return true;
  const used = parseOptions(stored);
  return used.memoryCost !== ARGON2.memoryCost || used.timeCost !== ARGON2.timeCost || used.parallelism !== ARGON2.parallelism;
}

let dummy: Promise<string> | undefined;

/**
 * Compared against when the login id is unknown (or the account has no password), so a wrong id
 * costs the same time as a wrong password: a real hash, made once with today's parameters.
 */
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString('base64url'));
  return dummy;
}

/** Hashes of the first version (`scrypt$N$r$p$salt$hash`): still accepted, upgraded at the next login. */
function verifyScrypt(password: string, stored: string): Promise<boolean> {
  const [, N, r, p, salt, hashed] = stored.split('$');
  if (!N || !r || !p || !salt || !hashed) return Promise.resolve(false);
  const expected = Buffer.from(hashed, 'base64url');
  return new Promise((resolve) =>
    scrypt(password.normalize('NFC'), Buffer.from(salt, 'base64url'), expected.length, { N: Number(N), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 }, (error, key) =>
      resolve(!error && timingSafeEqual(key, expected)),
    ),
  );
}
