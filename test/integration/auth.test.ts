/**
 * Login, lockout, logout and « Mon compte », on the real stack. Includes the holder's first steps:
 * the password-creation email of an account created through the API, the password policy, then login.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { accounts, auditEvents, sessions } from '../../db/schema';
import { LOCKOUT_MINUTES, MAX_FAILED_LOGINS } from '../../domain/account';
import { addDays, parisDay, reminderDayFor } from '../../domain/dates';
import { hashToken } from '../../security/tokens';
import { TEST_PASSWORD, useTestApp } from '../support/harness';
import { accountRow, expire } from './accounts/helpers';

const t = useTestApp({ worker: true });

afterEach(() => t.clock.set(null));

const login = (loginId: string, password: string) => t.request('POST', '/auth/login', { body: { loginId, password } });

async function auditFor(accountId: string) {
  return t.db.select().from(auditEvents).where(eq(auditEvents.targetAccountId, accountId)).orderBy(auditEvents.id);
}

describe('login', () => {
  it('opens a session: bearer token, only its hash stored, last login recorded', async () => {
    const est = await t.createEstablishment();
    const user = await t.insertActiveAccount(est.establishment.id, { failedLoginCount: 3 });
    const before = Date.now();
    const res = await login(user.loginId.toLowerCase(), TEST_PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', account: { id: user.id, loginId: user.loginId, profile: 'user' } });
    const ttl = t.config.sessionTtlMinutes * 60_000;
    expect(Date.parse(res.body.expiresAt) - before).toBeGreaterThanOrEqual(ttl - 1000);
    expect(Date.parse(res.body.expiresAt) - before).toBeLessThanOrEqual(ttl + 5000);

    const stored = await t.db.select().from(sessions).where(eq(sessions.accountId, user.id));
    expect(stored).toHaveLength(1);
    expect(stored[0]!.tokenHash).toBe(hashToken(res.body.token));
    expect(JSON.stringify(stored)).not.toContain(res.body.token);
    const row = await accountRow(t.db, user.id);
    expect(row.failedLoginCount).toBe(0);
    expect(row.lastLoginAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect((await auditFor(user.id)).map((e) => [e.action, e.outcome])).toEqual([['auth.login', 'success']]);
  });

  it('answers an unknown login id and a wrong password the same way', async () => {
    const est = await t.createEstablishment();
    const user = await t.insertActiveAccount(est.establishment.id);
    const wrongPassword = await login(user.loginId, 'Mauvais-2026');
    const unknownId = await login('ZZZ999999', TEST_PASSWORD);
    expect(wrongPassword.status).toBe(401);
    expect(unknownId.status).toBe(401);
    const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
    expect(strip(wrongPassword.body)).toEqual(strip(unknownId.body));
    expect(wrongPassword.body.code).toBe('invalid_credentials');
    expect((await auditFor(user.id)).map((e) => [e.action, e.outcome, (e.detail as { reason: string }).reason])).toEqual([
      ['auth.login_failed', 'refused', 'wrong_password'],
    ]);
    expect((await accountRow(t.db, user.id)).failedLoginCount).toBe(1);
  });

  it(`blocks the account after ${MAX_FAILED_LOGINS} failures; an admin unblocks it; the lockout ends by itself after ${LOCKOUT_MINUTES} minutes`, async () => {
    const est = await t.createEstablishment();
    const user = await t.insertActiveAccount(est.establishment.id);
    for (let i = 1; i < MAX_FAILED_LOGINS; i++) expect((await login(user.loginId, `Faux-${i}-mdp`)).status).toBe(401);
    const blocking = await login(user.loginId, 'Faux-5-mdp');
    expect(blocking.status).toBe(423);
    expect(blocking.body).toMatchObject({ code: 'account_blocked', blockedUntil: expect.any(String) });
    expect(blocking.body.detail).toContain('administrateur');
    const row = await accountRow(t.db, user.id);
    expect(row.blockedUntil!.getTime() - Date.now()).toBeGreaterThan((LOCKOUT_MINUTES - 1) * 60_000);

    // Even the right password is refused while blocked.
    expect((await login(user.loginId, TEST_PASSWORD)).status).toBe(423);
    const listed = await t.request('GET', `/establishments/${est.establishment.id}/accounts?status=blocked`, { token: est.adminToken });
    expect(listed.body.items.map((a: { id: string }) => a.id)).toEqual([user.id]);

    // The lockout ends by itself.
    t.clock.set(new Date(Date.now() + (LOCKOUT_MINUTES + 1) * 60_000));
    expect((await login(user.loginId, TEST_PASSWORD)).status).toBe(200);
    t.clock.set(null);

    // Blocked again, then unblocked by an admin.
    for (let i = 1; i <= MAX_FAILED_LOGINS; i++) await login(user.loginId, `Faux-${i}-mdp`);
    expect((await login(user.loginId, TEST_PASSWORD)).status).toBe(423);
    const unblock = await t.request('POST', `/establishments/${est.establishment.id}/accounts/${user.id}/unblock`, { token: est.adminToken });
    expect(unblock.status).toBe(200);
    expect((await login(user.loginId, TEST_PASSWORD)).status).toBe(200);
  });

  it('refuses a pending, expired or deleted account, saying what to do', async () => {
    const est = await t.createEstablishment();
    const pending = await t.insertActiveAccount(est.establishment.id, { status: 'pending_activation', passwordHash: null });
    const res = await login(pending.loginId, TEST_PASSWORD);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'account_not_usable', status: 403, accountStatus: 'pending_activation' });
    expect(res.body.detail).toContain('lien reçu par courriel');

    const expired = await t.insertActiveAccount(est.establishment.id);
    await expire(t.db, expired.id, '2024-09-18');
    const exp = await login(expired.loginId, TEST_PASSWORD);
    expect(exp.status).toBe(403);
    expect(exp.body).toMatchObject({ code: 'account_not_usable', status: 403, accountStatus: 'expired' });
    expect(exp.body.detail).toContain('18/09/2024');
    expect(exp.body.detail).toContain('Contactez votre administrateur');
    // A wrong password on an expired account says nothing about it.
    expect((await login(expired.loginId, 'Mauvais-2026')).body.code).toBe('invalid_credentials');

    const deleted = await t.insertActiveAccount(est.establishment.id, { status: 'deleted', deletedAt: new Date() });
    const del = await login(deleted.loginId, TEST_PASSWORD);
    expect(del.status).toBe(403);
    expect(del.body).toMatchObject({ code: 'account_not_usable', status: 403, accountStatus: 'deleted' });
    expect((await login(deleted.loginId, 'Mauvais-2026')).body.code).toBe('invalid_credentials');
    expect(await t.db.select().from(sessions).where(eq(sessions.accountId, expired.id))).toHaveLength(0);
  });

  it('keeps accepting hashes made with earlier parameters and stores them again with today\'s at the next login', async () => {
    const est = await t.createEstablishment();
    const salt = randomBytes(16);
    const scryptHash = ['scrypt', 32768, 8, 1, salt.toString('base64url'), scryptSync(TEST_PASSWORD, salt, 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }).toString('base64url')].join('$');
    const weakArgon = await hash(TEST_PASSWORD, { memoryCost: 8192, timeCost: 1, parallelism: 1 });
    for (const old of [scryptHash, weakArgon]) {
      const holder = await t.insertActiveAccount(est.establishment.id, { passwordHash: old });
      expect((await login(holder.loginId, 'Mauvais-2026')).status).toBe(401);
      expect((await accountRow(t.db, holder.id)).passwordHash).toBe(old);
      expect((await login(holder.loginId, TEST_PASSWORD)).status).toBe(200);
      const upgraded = (await accountRow(t.db, holder.id)).passwordHash!;
      expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect((await login(holder.loginId, TEST_PASSWORD)).status).toBe(200);
      expect((await accountRow(t.db, holder.id)).passwordHash).toBe(upgraded);
    }
  });

  it('validates the request body', async () => {
    const res = await t.request('POST', '/auth/login', { body: { loginId: '', password: '' } });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['loginId', 'password']);
  });
});

describe('session', () => {
  it('closes on logout', async () => {
    const est = await t.createEstablishment();
    const res = await t.request('POST', '/auth/logout', { token: est.adminToken });
    expect(res.status).toBe(204);
    expect((await t.request('GET', '/me', { token: est.adminToken })).status).toBe(401);
    const [session] = await t.db.select().from(sessions).where(eq(sessions.tokenHash, hashToken(est.adminToken)));
    expect(session!.revokedAt).toBeInstanceOf(Date);
    expect((await auditFor(est.admin.id)).map((e) => e.action)).toContain('auth.logout');
  });

  it('dies by itself when the account expires or its lifetime is over', async () => {
    const est = await t.createEstablishment();
    const user = await t.insertActiveAccount(est.establishment.id);
    const token = await t.login(user.loginId);
    expect((await t.request('GET', '/me', { token })).status).toBe(200);
    await expire(t.db, user.id);
    expect((await t.request('GET', '/me', { token })).status).toBe(401);

    t.clock.set(new Date(Date.now() + (t.config.sessionTtlMinutes + 1) * 60_000));
    expect((await t.request('GET', '/me', { token: est.adminToken })).status).toBe(401);
  });
});

describe('my account (« Mon compte »)', () => {
  it('gives the profile, establishment, rights and notices (upcoming expiry)', async () => {
    const est = await t.createEstablishment();
    const today = parisDay(new Date());
    const me = await t.request('GET', '/me', { token: est.adminToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      account: { id: est.admin.id, loginId: est.admin.loginId, profile: 'admin', profileLabel: 'Administrateur', status: 'active' },
      establishment: { id: est.establishment.id, name: est.establishment.name, siret: est.establishment.siret },
      notices: [],
    });
    expect(Object.keys(me.body.rights)).toHaveLength(16);
    expect(me.body.rightsByTheme).toHaveLength(3);
    expect(JSON.stringify(me.body)).not.toMatch(/passwordHash|searchText/);

    // Expiry in 10 days: past the reminder day, the holder is told.
    const soon = addDays(today, 10);
    expect(reminderDayFor(soon) <= today).toBe(true);
    await t.db.update(accounts).set({ expiresOn: soon }).where(eq(accounts.id, est.admin.id));
    const warned = await t.request('GET', '/me', { token: est.adminToken });
    expect(warned.body.notices).toEqual([
      { code: 'account_expiring', level: 'warning', message: expect.stringContaining('Votre compte expire le'), dueOn: soon },
    ]);
  });
});

describe("holder's first steps", () => {
  it('receives the link, has a weak password refused, sets their own and logs in', async () => {
    const est = await t.createEstablishment();
    const email = `holder-${Date.now()}@employeur.test`;
    const created = await t.createAccount(est.establishment.id, est.adminToken, { email, emailConfirmation: email });
    expect(created.status).toBe(201);
    const message = await t.mail.waitFor((m) => m.subject === 'Vous pouvez créer votre mot de passe', { to: email, timeoutMs: 20_000 });
    const token = /token=([A-Za-z0-9_-]+)/.exec(message.text ?? '')?.[1];
    expect(token).toBeTruthy();

    const weak = await t.request('POST', '/auth/password', { body: { token, password: 'faible', passwordConfirmation: 'faible' } });
    expect(weak.status).toBe(400);
    expect(weak.body.errors.map((e: { message: string }) => e.message)).toEqual([
      'Votre mot de passe doit contenir au moins 8 caractères.',
      'Votre mot de passe doit contenir au moins 1 chiffre.',
      'Votre mot de passe doit contenir au moins 1 majuscule.',
      'Votre mot de passe doit contenir au moins 1 caractère spécial.',
    ]);
    expect((await login(created.body.loginId, 'faible')).status).toBe(403);

    const good = await t.request('POST', '/auth/password', { body: { token, password: 'Printemps-2026', passwordConfirmation: 'Printemps-2026' } });
    expect(good.status, good.text).toBe(200);
    await expect.poll(async () => (await accountRow(t.db, created.body.id)).status, { timeout: 20_000 }).toBe('active');
    const session = await login(created.body.loginId, 'Printemps-2026');
    expect(session.status).toBe(200);
    const me = await t.request('GET', '/me', { token: session.body.token });
    expect(me.body.account).toMatchObject({ loginId: created.body.loginId, status: 'active', createdBy: { id: est.admin.id } });
  });
});
