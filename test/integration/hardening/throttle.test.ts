/**
 * Public endpoints: throttled per client address and per identifier (429 + Retry-After), the
 * forgotten-password answer does not wait for the look-up, and a lockout caused by an anonymous
 * caller's wrong passwords never ends the holder's open sessions.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { backgroundTasksRunning, drainBackground } from '../../../api/background';
import { THROTTLES } from '../../../api/middleware/throttle';
import { MAX_FAILED_LOGINS } from '../../../domain/account';
import { workflowIds } from '../../../workflows/definitions';
import { useTestApp } from '../../support/harness';

// One reverse proxy in front: the caller's address is the last X-Forwarded-For entry.
const t = useTestApp({ env: { TRUST_PROXY_HOPS: '1' } });
const from = (address: string) => ({ 'x-forwarded-for': `203.0.113.9, ${address}` });
const randomAddress = () => `198.51.${randomInt(256)}.${randomInt(256)}`;

describe('throttling', () => {
  it('limits requests naming one identifier, whatever the address, with Retry-After', async () => {
    const email = `flood-${randomUUID()}@employeur.test`;
    const limit = THROTTLES['/auth/forgot-login-id'].identifier.limit;
    for (let i = 0; i < limit; i++) {
      const res = await t.request('POST', '/auth/forgot-login-id', { body: { email }, headers: from(randomAddress()) });
      expect(res.status).toBe(202);
    }
    const refused = await t.request('POST', '/auth/forgot-login-id', { body: { email }, headers: from(randomAddress()) });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'too_many_requests', status: 429 });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(THROTTLES['/auth/forgot-login-id'].identifier.windowSeconds);
    const other = await t.request('POST', '/auth/forgot-login-id', { body: { email: `autre-${randomUUID()}@employeur.test` }, headers: from(randomAddress()) });
    expect(other.status).toBe(202);
    await drainBackground();
  });

  it('limits requests from one client address, whatever the identifier', async () => {
    const address = randomAddress();
    const limit = THROTTLES['/auth/forgot-password'].address.limit;
    for (let i = 0; i < limit; i++) {
      const res = await t.request('POST', '/auth/forgot-password', { body: { identifier: `ZZZ${randomInt(1e6)}` }, headers: from(address) });
      expect(res.status).toBe(202);
    }
    const refused = await t.request('POST', '/auth/forgot-password', { body: { identifier: 'ZZZ000001' }, headers: from(address) });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // The address counted is the one the trusted proxy saw, not an entry the caller can forge.
    const forged = await t.request('POST', '/auth/forgot-password', {
      body: { identifier: 'ZZZ000002' },
      headers: { 'x-forwarded-for': `${randomAddress()}, ${address}` },
    });
    expect(forged.status).toBe(429);
    expect((await t.request('POST', '/auth/forgot-password', { body: { identifier: 'ZZZ000003' }, headers: from(randomAddress()) })).status).toBe(202);
    await drainBackground();
  });
});

describe('forgotten password answer', () => {
  it('answers before looking the identifier up, alike for an existing and an unknown one', async () => {
    const { establishment } = await t.createEstablishment();
    const holder = await t.insertActiveAccount(establishment.id);
    for (const identifier of [holder.loginId, 'ZZZ999999']) {
      const res = await t.request('POST', '/auth/forgot-password', { body: { identifier }, headers: from(randomAddress()) });
      expect(res.status).toBe(202);
      // The look-up has not finished when the answer leaves: its duration cannot show in the answer's.
      expect(backgroundTasksRunning()).toBe(1);
      await drainBackground();
    }
    const run = await t.temporal.workflow.getHandle(workflowIds.passwordReset(holder.loginId)).describe();
    expect(run.status.name).toBe('RUNNING');
    await t.temporal.workflow.getHandle(workflowIds.passwordReset(holder.loginId)).terminate('test over');
  });
});

describe('lockout', () => {
  it("blocks new logins after repeated wrong passwords, but never ends the holder's open session", async () => {
    const { establishment } = await t.createEstablishment();
    const holder = await t.insertActiveAccount(establishment.id);
    const session = await t.login(holder.loginId);
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) {
      await t.request('POST', '/auth/login', { body: { loginId: holder.loginId, password: 'Mauvais-2026' }, headers: from(randomAddress()) });
    }
    const blocked = await t.request('POST', '/auth/login', { body: { loginId: holder.loginId, password: holder.password }, headers: from(randomAddress()) });
    expect(blocked.status).toBe(423);
    const me = await t.request('GET', '/me', { token: session });
    expect(me.status).toBe(200);
    expect(me.body.account.loginId).toBe(holder.loginId);
  });
});
