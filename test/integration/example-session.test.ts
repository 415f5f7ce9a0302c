/**
 * The README's example session (docs/example-session.sh) run as is against the real stack: the API
 * over HTTP, a real worker, Temporal, PostgreSQL and the mail sink. The README quotes the script, and
 * this test checks that it quotes it whole, so the two cannot drift apart.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { useTestApp } from '../support/harness';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'docs/example-session.sh');
const t = useTestApp({ worker: true });
let server: ReturnType<typeof serve>;
let api: string;

beforeAll(async () => {
  server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server?.close(resolve)));

describe('the README example session', () => {
  it('the README quotes the script whole', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const script = readFileSync(SCRIPT, 'utf8');
    expect(readme).toContain('```sh\n' + script + '```');
  });

  it('runs against the real stack, from login to deletion', { timeout: 240_000 }, async () => {
    const { establishment, admin } = await t.createEstablishment({ name: 'COMMUNE DE DEMO-SESSION' });
    const { stdout, stderr } = await promisify(execFile)('bash', [SCRIPT], {
      cwd: inject('stack').root,
      timeout: 200_000,
      env: {
        PATH: process.env.PATH,
        API: api,
        MAILBOX: inject('stack').mailSinkUrl,
        EST: establishment.id,
        ADMIN_LOGIN: admin.loginId,
        ADMIN_PASSWORD: admin.password,
        OPERATOR_TOKEN: t.config.operatorToken,
      },
    });
    expect(stderr).toBe('');
    const lines = stdout.split('\n');
    expect(lines).toContain(`{"account":"${admin.loginId}","establishment":"COMMUNE DE DEMO-SESSION","notices":0}`);
    expect(stdout).toMatch(/"loginId":"JLO\d{6}","statusLabel":"En attente d'activation","linkExpiresAt":"20\d\d-/);
    expect(lines).toContain('the link opens the page: 200');
    expect(lines).toContain('Votre mot de passe a bien été créé. Connectez-vous avec l’identifiant que votre administrateur vous a transmis.');
    expect(stdout).toMatch(/\{"loginId":"JLO\d{6}","status":"Actif"\}/);
    expect(lines).toContain('["done"]');
    expect(lines).toContain('deleted: 204');
  });
});
