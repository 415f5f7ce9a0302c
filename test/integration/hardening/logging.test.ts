/**
 * Logs: JSON lines from one logger; every line of a request carries its id (also in the response's
 * X-Request-Id); no password, session token or link token ever reaches a line; LOG_LEVEL filters.
 */
import { describe, expect, it } from 'vitest';
import { configureLogging, type LogLevel, log } from '../../../logging/logger';
import { TEST_PASSWORD, useTestApp } from '../../support/harness';

const t = useTestApp();

/** The logger writes into `lines` at `level` while `fn` runs. */
async function captured(level: LogLevel, fn: () => Promise<void>) {
  const lines: string[] = [];
  configureLogging({ level, destination: { write: (line: string) => void lines.push(line) } });
  try {
    await fn();
  } finally {
    configureLogging({ level: 'warn' }); // as test/support/quiet-runtime.ts leaves it
  }
  return { raw: lines.join(''), entries: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logs', () => {
  it('a login and its session: every line has the request id, none has the password or a token', async () => {
    const est = await t.createEstablishment();
    const linkToken = 'lien-secret-0123456789abcdef';
    const ids: string[] = [];
    let sessionToken = '';
    const { raw, entries } = await captured('debug', async () => {
      const login = await t.request('POST', '/auth/login', { body: { loginId: est.admin.loginId, password: TEST_PASSWORD } });
      expect(login.status).toBe(200);
      sessionToken = login.body.token;
      const me = await t.request('GET', '/me', { token: sessionToken, headers: { cookie: `session=${sessionToken}` } });
      expect(me.status).toBe(200);
      const link = await t.request('GET', `/password?token=${linkToken}`);
      const wrong = await t.request('POST', '/auth/login', { body: { loginId: est.admin.loginId, password: 'Mauvais-mot-2026' } });
      expect(wrong.status).toBe(401);
      for (const res of [login, me, link, wrong]) ids.push(res.headers.get('x-request-id')!);
    });

    expect(ids.every(Boolean)).toBe(true);
    expect(new Set(ids).size).toBe(4);
    const responses = entries.filter((e) => e.msg === 'response');
    expect(responses.map((e) => e.requestId)).toEqual(ids);
    expect(entries.every((e) => typeof e.requestId === 'string' && ids.includes(e.requestId))).toBe(true);
    expect(entries.some((e) => e.msg === 'request' && (e.headers as Record<string, string>).authorization === '[redacted]')).toBe(true);
    for (const secret of [TEST_PASSWORD, 'Mauvais-mot-2026', sessionToken, linkToken]) expect(raw).not.toContain(secret);
  });

  it('LOG_LEVEL filters: warn writes no request line, info writes the response line but not the headers', async () => {
    const atWarn = await captured('warn', async () => void (await t.request('GET', '/health')));
    expect(atWarn.entries).toEqual([]);
    const atInfo = await captured('info', async () => void (await t.request('GET', '/health')));
    expect(atInfo.entries.map((e) => [e.level, e.msg])).toEqual([['info', 'response']]);
  });

  it('secrets nested in what is logged are censored, and a failed query loses its parameters', async () => {
    const { raw } = await captured('info', async () => {
      log.info({ body: { password: 'p-1', passwordConfirmation: 'p-2' }, headers: { authorization: 'Bearer t-1', cookie: 'c-1' }, token: 't-2' }, 'x');
      log.error({ err: new Error('Failed query: update "sessions" set "token_hash" = $1\nparams: h-1,t-3') }, 'y');
    });
    for (const secret of ['p-1', 'p-2', 't-1', 'c-1', 't-2', 'h-1', 't-3']) expect(raw).not.toContain(secret);
    expect(raw).toContain('update \\"sessions\\"');
  });
});
